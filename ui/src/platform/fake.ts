// A transport for unit tests: commands go to the test's `call`; events, connection changes and saving do
// nothing, and uploads fail (tests that upload pass their own). Only tests import this.

import type { Platform } from "./types";

export function fakePlatform(call: Platform["call"], over: Partial<Platform> = {}): Platform {
  return {
    transport: "browser",
    call,
    subscribe: () => () => {},
    onConnection: () => () => {},
    saveFile: async () => null,
    upload: async () => {
      throw new Error("no uploads in this test");
    },
    ...over,
  };
}
