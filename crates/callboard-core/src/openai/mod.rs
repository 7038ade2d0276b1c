//! OpenAI Realtime agents: the speech-to-speech backend for the media bridge (`realtime`), the profile and its validation (`profile`, `intake`), the rendered and versioned
//! system prompt (`prompt`), the GA session object built from them (`session_config`), what a call needs to
//! start a session (`setup`), model prices and SIP settings (`settings`), and Realtime SIP: the REST client
//! for accept/reject/refer/hangup (`rest`), the `/webhooks/openai` route that decides incoming calls
//! (`sip`) and closes those the app stopped before deciding (`sip_missed`), the control socket that feeds the live view (`sip_control`) and the console's hang-up and
//! transfer (`sip_dialer`).

pub mod intake;
pub mod profile;
pub mod prompt;
pub mod realtime;
pub mod rest;
pub mod session_config;
pub mod settings;
pub mod setup;
pub mod sip;
pub mod sip_control;
pub mod sip_decide;
pub mod sip_dialer;
pub mod sip_missed;
