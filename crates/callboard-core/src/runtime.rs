//! The runtime file: while an app or `callboard serve` runs on a data dir, `runtime.json` there says where
//! its UI listener is and which token it takes, so `callboard campaign …` can go through the running
//! instance instead of writing behind its back. Readable by the user only; removed on a clean stop.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

pub const RUNTIME_FILE: &str = "runtime.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    pub pid: u32,
    pub ui_url: String,
    pub token: String,
    pub public_url: String,
}

/// Removes the runtime file when dropped.
#[derive(Debug)]
pub struct RuntimeFile {
    path: PathBuf,
}

impl RuntimeFile {
    pub fn write(data_dir: &Path, info: &RuntimeInfo) -> io::Result<RuntimeFile> {
        let path = data_dir.join(RUNTIME_FILE);
        let tmp = data_dir.join(format!(".{RUNTIME_FILE}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        f.write_all(
            serde_json::to_string_pretty(info)
                .map_err(io::Error::other)?
                .as_bytes(),
        )?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(RuntimeFile { path })
    }

    pub fn read(data_dir: &Path) -> io::Result<RuntimeInfo> {
        let text = std::fs::read_to_string(data_dir.join(RUNTIME_FILE))?;
        serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl Drop for RuntimeFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
