/**
 * Graph's ids are GUIDs, thread ids (`19:…@thread.v2`), base64 membership ids: well under
 * a few hundred characters. Anything longer is not a Graph id; stored, it could not even
 * be indexed (a btree row holds at most about 2,700 bytes: SQLSTATE 54000), so it would
 * fail its whole transaction on every run.
 */
export const MAX_ID_LENGTH = 1000;
