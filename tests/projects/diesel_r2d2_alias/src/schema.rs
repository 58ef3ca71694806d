diesel::table! {
    bookings (id) {
        id -> Int4,
        room -> Varchar,
    }
}
