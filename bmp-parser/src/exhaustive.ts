/**
 * For the default arm of a switch that names every member of a union (a code-point enum, a
 * message type): it compiles only while no member is left out, so adding a member to the union
 * points at every switch that must learn it. At run time it hands the value back, for the caller
 * to turn into an error value (decoders) or a RangeError (encoders): input typed as a union can
 * still carry anything once it has crossed a JSON or `as` boundary.
 */
export function exhaustive(value: never): unknown {
  return value;
}
