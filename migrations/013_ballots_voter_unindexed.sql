-- read.ballots is looked up by primary key (findBallot) and listed by poll (ballots_poll); no
-- query looks a ballot up by voter. The (poll_id, voter_key) index cost every ballot insert an
-- entry at a random place (voter keys are random), which made it about half of the catalog's
-- ballot statement, the heaviest statement of the projections at a steady ballot load. A voter's
-- ballot is found by its stream, `ballot-<pollId>-<voterKey>`, in the event store.
DROP INDEX read.ballots_voter;
