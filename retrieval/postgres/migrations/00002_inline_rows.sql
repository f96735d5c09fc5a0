-- Keep chunk rows inline and uncompressed: with the default toast target
-- (about 2 kB) a 512-dimension vector (2 kB) pushes every row over it, so
-- PostgreSQL compresses text and tsv and moves the vector to the TOAST
-- table, which costs about a quarter of the insert time and a detoast on
-- every read. Rows up to a page's worth now stay in the heap as they are.
-- Applies to rows written from now on.

-- +goose Up
ALTER TABLE chunks SET (toast_tuple_target = 8160);

-- +goose Down
ALTER TABLE chunks RESET (toast_tuple_target);
