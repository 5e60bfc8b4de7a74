/**
 * The contract every role folder keeps: it exports one `start(deps, options)` that resolves once
 * the role is serving, to a handle whose `stop()` ends it (after it, the role holds no timer,
 * socket or consumer). `deps` are what the role is given (bus, store, logger, metrics registry),
 * `options` what configures it. bin/ composes roles through this and nothing else.
 */
export interface RunningRole {
  stop(): Promise<void>;
}

export type StartRole<D, O, R extends RunningRole = RunningRole> = (deps: D, options: O) => Promise<R>;
