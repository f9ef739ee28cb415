-- The name the partner list is ordered by (the English name, else the Uzbek Latin one, else
-- the first by language tag; lowercased), kept on the partner row by a trigger on its names.
-- Ordering by a subquery ranked every partner's names on every page request; a column with
-- an index reads the first page straight from the index.
ALTER TABLE partners ADD COLUMN sort_name text;

CREATE FUNCTION partner_sort_name(partner bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT lower(n.name) FROM partner_names n WHERE n.partner_id = partner
    ORDER BY n.lang = 'en' DESC, n.lang = 'uz-Latn' DESC, n.lang LIMIT 1
$$;

CREATE FUNCTION partner_names_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE partners SET sort_name = partner_sort_name(NEW.partner_id)
        WHERE id = NEW.partner_id AND sort_name IS DISTINCT FROM partner_sort_name(NEW.partner_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE partners SET sort_name = partner_sort_name(OLD.partner_id)
        WHERE id = OLD.partner_id AND sort_name IS DISTINCT FROM partner_sort_name(OLD.partner_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER partner_names_sort_name AFTER INSERT OR UPDATE OR DELETE ON partner_names
    FOR EACH ROW EXECUTE FUNCTION partner_names_sort_name();

UPDATE partners SET sort_name = partner_sort_name(id);
CREATE INDEX partners_sort_name_idx ON partners (sort_name, id);
