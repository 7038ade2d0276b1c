// Call and board-row fixtures for tests.

import type { BoardCall, Call } from "./types";

export function call(id: number, over: Partial<Call> = {}): Call {
  return {
    id,
    campaign_id: 1,
    provider: "sim",
    provider_call_id: `sim-${id}`,
    conversation_id: null,
    origin: "dial",
    status: "dialing",
    outcome: null,
    disposition: null,
    started_at: "2026-11-26T10:00:00.000000Z",
    answered_at: null,
    ended_at: null,
    duration_s: null,
    cost: null,
    summary: null,
    recording_path: null,
    created_at: "2026-11-26T10:00:00.000000Z",
    updated_at: "2026-11-26T10:00:00.000000Z",
    ...over,
  };
}

export function row(id: number, over: Partial<BoardCall> = {}): BoardCall {
  return {
    ...call(id),
    campaign_name: "Renewals",
    contact_id: id,
    contact_name: `Contact ${id}`,
    contact_phone: `+1212555${String(id).padStart(4, "0")}`,
    agent_id: 1,
    agent_name: "Ava",
    error: null,
    sentiment: null,
    last_line: null,
    ...over,
  } as BoardCall;
}
