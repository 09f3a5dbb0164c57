-- read.result_ballots.answers is written whole and read back whole (the standing a change or a
-- reject takes back), never searched inside: `json` keeps the text as written instead of
-- converting it to jsonb on every insert and back to text on every load, the largest share of
-- the results projection's per-ballot cost. The generated `counted` column went with the index
-- that needed it (012): a stored column computed per row that nothing reads.
ALTER TABLE read.result_ballots DROP COLUMN counted;
ALTER TABLE read.result_ballots ALTER COLUMN answers TYPE json USING answers::json;
