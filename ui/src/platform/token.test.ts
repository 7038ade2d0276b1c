import { describe, expect, it } from "vitest";
import { captureToken, extractToken, TOKEN_KEY } from "./token";

describe("extractToken", () => {
  it.each([
    ["#token=abc123", "abc123", ""],
    ["token=abc123", "abc123", ""],
    ["#token=a%2Fb", "a/b", ""],
    ["#/campaigns", null, "/campaigns"],
    ["#/live?token=xyz", "xyz", "/live"],
    ["#/live?token=xyz&tab=2", "xyz", "/live?tab=2"],
    ["#foo=1&token=xyz", "xyz", "?foo=1"],
    ["#token=", null, ""],
    ["", null, ""],
  ])("%s", (hash, token, rest) => {
    expect(extractToken(hash)).toEqual({ token, rest });
  });
});

describe("captureToken", () => {
  it("moves the token from the address bar into sessionStorage", () => {
    window.history.replaceState(null, "", "/#token=secret-1");
    expect(captureToken()).toBe("secret-1");
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("secret-1");
    expect(window.location.hash).toBe("");
    expect(window.location.href).not.toContain("secret-1");
  });

  it("keeps the route that came with the token", () => {
    window.history.replaceState(null, "", "/#/settings?token=secret-2");
    expect(captureToken()).toBe("secret-2");
    expect(window.location.hash).toBe("#/settings");
  });

  it("falls back to the stored token after a reload", () => {
    sessionStorage.setItem(TOKEN_KEY, "stored");
    window.history.replaceState(null, "", "/#/campaigns");
    expect(captureToken()).toBe("stored");
    expect(window.location.hash).toBe("#/campaigns");
  });

  it("prefers a new token in the URL over a stored one", () => {
    sessionStorage.setItem(TOKEN_KEY, "old");
    window.history.replaceState(null, "", "/#token=new");
    expect(captureToken()).toBe("new");
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("new");
  });

  it("returns null when there is none", () => {
    window.history.replaceState(null, "", "/");
    expect(captureToken()).toBeNull();
  });
});
