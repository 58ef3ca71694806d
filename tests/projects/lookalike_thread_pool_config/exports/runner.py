from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

from exports.config import settings

io_pool = ThreadPoolExecutor(
    max_workers=settings.pool_size + settings.max_overflow, thread_name_prefix="export"
)


def render_all(documents):
    with Pool(processes=settings.pool_size, maxtasksperchild=settings.pool_recycle) as pool:
        return pool.map(render, documents, chunksize=4)


def render(document):
    return document.upper()
