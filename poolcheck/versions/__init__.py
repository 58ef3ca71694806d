"""The versions of the pool libraries a project uses, read from its lockfiles and manifests.

One reader per format (cargo.py, python.py), the requirement forms they share
(requirements.py), the package names poolcheck knows (names.py) and the
lookup that finds the nearest file above a source file (lookup.py). The
library tables select their version-dependent facts with what is found here.
"""
