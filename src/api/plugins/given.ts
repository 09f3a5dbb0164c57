/** `fn` with its ports given, as the commands and queries plugins hand it to routes. */
export const given =
  <D, A extends unknown[], R>(deps: D, fn: (deps: D, ...args: A) => R) =>
  (...args: A): R =>
    fn(deps, ...args);
