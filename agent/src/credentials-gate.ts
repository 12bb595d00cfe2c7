/**
 * Closed once Muster answers 401 (the seed: never retry an authentication error): nothing more
 * is sent with the refused credentials; reports keep being spooled until new ones open it again.
 */
export interface CredentialsGate {
  readonly refusal: string | undefined;
  refuse(reason: string): void;
  open(): void;
  /** Resolves when the gate is open (at once if it is). */
  opened(): Promise<void>;
}

export function createCredentialsGate(): CredentialsGate {
  let refusal: string | undefined;
  let waiting: (() => void)[] = [];
  return {
    get refusal() {
      return refusal;
    },
    refuse(reason) {
      refusal = reason;
    },
    open() {
      refusal = undefined;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    opened() {
      if (refusal === undefined) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
