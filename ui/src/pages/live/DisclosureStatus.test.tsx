import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CallDetail, TranscriptLine } from "../../api/types";
import { DisclosureStatus } from "./DisclosureStatus";

const TEXT = "This call may be recorded.";

function detail(heard_at: string | null, transcript: TranscriptLine[], disclosure = true): CallDetail {
  return { disclosure: disclosure ? { text: TEXT, heard_at } : null, transcript } as unknown as CallDetail;
}
const agent = (text: string): TranscriptLine => ({ role: "agent", text, at: "2026-11-27T10:00:00Z" });

function state(d: CallDetail, live: boolean): string | null {
  const { unmount } = render(
    <dl>
      <DisclosureStatus detail={d} live={live} />
    </dl>,
  );
  const s = screen.queryByTestId("call-disclosure")?.getAttribute("data-state") ?? null;
  unmount();
  return s;
}

describe("the recording disclosure row", () => {
  it("says when it was said, and warns only where a transcript shows it was not", () => {
    expect(state(detail("2026-11-27T10:00:02Z", [agent(TEXT)]), false)).toBe("said");
    expect(state(detail(null, [agent("Hello"), agent("Hi"), agent("So")]), false)).toBe("missing");
    expect(state(detail(null, [agent("Hello")]), true)).toBe("waiting");
    expect(state(detail(null, [agent("Hello"), agent("Hi"), agent("So")]), true)).toBe("missing");
    expect(state(detail(null, []), false)).toBe("none");
    expect(state(detail(null, [], false), false)).toBeNull();
  });

  it("shows the disclosure's text", () => {
    render(
      <dl>
        <DisclosureStatus detail={detail(null, [agent("Hello")])} live={false} />
      </dl>,
    );
    expect(screen.getByTestId("call-disclosure").textContent).toContain(TEXT);
    expect(screen.getByTestId("call-disclosure").textContent).toContain("Not heard in the agent’s opening lines");
  });
});
