//! Files the UI offers as downloads (a calls export, an import's errors), saved for the desktop window. The
//! webview has no dependable download handling of its own (a `blob:` link may do nothing), so the window
//! hands the bytes to the shell, which saves them here: in the user's Downloads folder, under the offered
//! name made safe, never over an existing file ("calls (2).csv"), and says where.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use base64::Engine;
use serde::Deserialize;

/// A file to save, as the UI sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Download {
    pub filename: String,
    pub content: String,
    /// `utf-8` (the text as it is) or `base64`.
    pub encoding: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("there is no Downloads folder or home folder to save into")]
    NoFolder,
    #[error("the file's content is not valid base64: {0}")]
    Encoding(String),
    #[error("unknown encoding '{0}' (expected utf-8 or base64)")]
    UnknownEncoding(String),
    #[error("cannot save {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl From<SaveError> for crate::api::ApiError {
    fn from(e: SaveError) -> Self {
        let code = match e {
            SaveError::Encoding(_) | SaveError::UnknownEncoding(_) => crate::api::ErrorCode::Validation,
            SaveError::NoFolder | SaveError::Io { .. } => crate::api::ErrorCode::Internal,
        };
        crate::api::ApiError::new(code, e.to_string())
    }
}

/// Saves into the user's Downloads folder (else their home), off the async threads; answers with the path
/// written, for the UI to show, or the error as the UI takes it.
pub async fn save_to_downloads(download: Download) -> Result<String, crate::api::ApiError> {
    let saved =
        tokio::task::spawn_blocking(move || save(&default_folder().ok_or(SaveError::NoFolder)?, &download))
            .await
            .map_err(|e| {
                crate::api::ApiError::new(
                    crate::api::ErrorCode::Internal,
                    format!("the save did not finish: {e}"),
                )
            })??;
    tracing::info!(path = %saved.display(), "saved a download");
    Ok(saved.display().to_string())
}

/// Where downloads go: the user's Downloads folder, else their home.
pub fn default_folder() -> Option<PathBuf> {
    dirs::download_dir().or_else(dirs::home_dir)
}

/// The offered name as a plain file name: no folders, no control or path characters, not hidden, not empty.
pub fn safe_name(offered: &str) -> String {
    let last = offered.rsplit(['/', '\\']).next().unwrap_or(offered);
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "download".to_owned()
    } else {
        trimmed.chars().take(200).collect()
    }
}

/// `name`, else `name (2)`, `name (3)`… before the extension.
fn candidate(name: &str, n: u32) -> String {
    if n == 1 {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

/// Saves `download` in `folder` (created if missing) and returns the path written.
pub fn save(folder: &Path, download: &Download) -> Result<PathBuf, SaveError> {
    let bytes = match download.encoding.as_str() {
        "utf-8" => download.content.as_bytes().to_vec(),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(download.content.as_bytes())
            .map_err(|e| SaveError::Encoding(e.to_string()))?,
        other => return Err(SaveError::UnknownEncoding(other.to_owned())),
    };
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| SaveError::Io { path, source }
    };
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let name = safe_name(&download.filename);
    for n in 1..=1000 {
        let path = folder.join(candidate(&name, n));
        // create_new: never overwrite, even a file that appears between the check and the write.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(&bytes)
                    .and_then(|()| file.sync_all())
                    .map_err(io(&path))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&path)(e)),
        }
    }
    Err(io(&folder.join(&name))(std::io::Error::other(
        "a thousand files of that name already exist",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, content: &str) -> Download {
        Download {
            filename: name.into(),
            content: content.into(),
            encoding: "utf-8".into(),
        }
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("calls-2026-11-27.csv"), "calls-2026-11-27.csv");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\x\\errors.csv"), "errors.csv");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("a:b*c?.csv"), "a_b_c_.csv");
        assert_eq!(safe_name("  "), "download");
        assert_eq!(safe_name("dir/"), "download");
    }

    #[test]
    fn saving_never_overwrites_and_decodes_base64() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let folder = dir.path().join("Downloads");
        let first = save(&folder, &text("calls.csv", "a,b\n"))?;
        let second = save(&folder, &text("calls.csv", "c,d\n"))?;
        assert_eq!(first, folder.join("calls.csv"));
        assert_eq!(second, folder.join("calls (2).csv"));
        assert_eq!(std::fs::read_to_string(&first)?, "a,b\n");
        assert_eq!(std::fs::read_to_string(&second)?, "c,d\n");
        let xlsx = Download {
            filename: "calls.xlsx".into(),
            content: "UEsDBA==".into(),
            encoding: "base64".into(),
        };
        assert_eq!(std::fs::read(save(&folder, &xlsx)?)?, b"PK\x03\x04");
        let bad = Download {
            content: "not base64!".into(),
            ..xlsx.clone()
        };
        assert!(matches!(save(&folder, &bad), Err(SaveError::Encoding(_))));
        let odd = Download {
            encoding: "utf-16".into(),
            ..xlsx
        };
        assert!(matches!(save(&folder, &odd), Err(SaveError::UnknownEncoding(_))));
        assert_eq!(
            std::fs::read_dir(&folder)?.count(),
            3,
            "nothing written for the bad ones"
        );
        Ok(())
    }

    #[test]
    fn a_name_without_extension_is_numbered_at_the_end() {
        assert_eq!(candidate("notes", 2), "notes (2)");
        assert_eq!(candidate(".env", 3), ".env (3)");
        assert_eq!(candidate("calls.csv", 1), "calls.csv");
    }
}
