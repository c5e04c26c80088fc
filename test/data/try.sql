-- try.sql: pg_temp.try(sql) runs a statement and returns its error as
-- (code, message, detail, hint), or 'ok' when it succeeds.  Lets the
-- regression tests show each error's SQLSTATE without source locations.
CREATE FUNCTION pg_temp.try(q text,
    OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    detail := nullif(detail, '');
    hint := nullif(hint, '');
END $$;
