-- Input transcription billed in tokens (gpt-4o-transcribe, gpt-4o-mini-transcribe) beside the per-minute kind:
-- text and audio input tokens and output tokens, summed per Realtime call like the response usage.
ALTER TABLE call_realtime ADD COLUMN transcription_text_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_realtime ADD COLUMN transcription_audio_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_realtime ADD COLUMN transcription_out INTEGER NOT NULL DEFAULT 0;
