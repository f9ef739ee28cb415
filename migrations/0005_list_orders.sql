-- Indexes for the orders lists offer, so a page of the catalogue in title, year or
-- catalogue order is read from an index instead of sorting the whole table. The id ends
-- every order (pages are stable), so it ends every key.
CREATE INDEX documents_title_order_idx ON documents (lower(title), id);
CREATE INDEX documents_year_order_idx ON documents (year, id);
CREATE INDEX documents_created_order_idx ON documents (created_at, id);
DROP INDEX documents_year_idx;
