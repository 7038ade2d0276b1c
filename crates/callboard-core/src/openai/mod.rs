//! OpenAI: the Realtime speech-to-speech backend for the media bridge (`realtime`). Agent profiles and the
//! Realtime SIP webhook live beside it in their own modules.

pub mod realtime;
