//! Files the UI uploads for import. A browser cannot hand the core a path, so the UI listener streams the
//! file into `uploads/<id>/<name>` in the data dir and the `import.*` commands take the id instead. The
//! file keeps its own name (the format is chosen by extension, and error messages name it). Uploads are
//! removed when their import finishes, and any left over (a preview never committed) after a day.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use super::ImportError;

/// The largest file accepted (a million-row CSV with many columns is about 150 MB).
pub const MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;
/// Uploads older than this are removed by [`Uploads::sweep`].
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);

/// The uploads folder of one data dir.
#[derive(Debug, Clone)]
pub struct Uploads {
    dir: PathBuf,
}

/// An upload being written. Dropped without [`NewUpload::finish`], it removes itself.
#[derive(Debug)]
pub struct NewUpload {
    pub id: String,
    pub path: PathBuf,
    file: Option<io::BufWriter<fs::File>>,
    written: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {} MB", MAX_UPLOAD_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("cannot store the upload: {0}")]
    Io(#[from] io::Error),
}

impl NewUpload {
    /// Appends bytes, failing once the file passes [`MAX_UPLOAD_BYTES`].
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), UploadError> {
        self.written += bytes.len() as u64;
        if self.written > MAX_UPLOAD_BYTES {
            return Err(UploadError::TooLarge);
        }
        match &mut self.file {
            Some(f) => Ok(f.write_all(bytes)?),
            None => Err(UploadError::Io(io::Error::other("the upload is closed"))),
        }
    }

    /// Flushes the file to disk; returns its size.
    pub fn finish(mut self) -> Result<u64, UploadError> {
        if let Some(f) = self.file.take() {
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        let n = self.written;
        self.path = PathBuf::new();
        Ok(n)
    }
}

impl Drop for NewUpload {
    fn drop(&mut self) {
        if let Some(dir) = self.path.parent().filter(|_| !self.path.as_os_str().is_empty()) {
            drop(self.file.take());
            let _ = fs::remove_dir_all(dir);
        }
    }
}

impl Uploads {
    pub fn new(data_dir: &Path) -> Uploads {
        Uploads {
            dir: data_dir.join("uploads"),
        }
    }

    /// Starts a new upload of a file called `name` (only its last component is kept).
    pub fn create(&self, name: &str) -> Result<NewUpload, UploadError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = self.dir.join(&id);
        fs::create_dir_all(&dir)?;
        let path = dir.join(safe_name(name));
        let file = fs::File::create(&path)?;
        Ok(NewUpload {
            id,
            path,
            file: Some(io::BufWriter::with_capacity(256 * 1024, file)),
            written: 0,
        })
    }

    /// The stored file of upload `id`.
    pub fn path(&self, id: &str) -> Result<PathBuf, ImportError> {
        let missing = || ImportError::Invalid(format!("upload '{id}' does not exist (it may have expired)"));
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(missing());
        }
        fs::read_dir(self.dir.join(id))
            .map_err(|_| missing())?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_file())
            .ok_or_else(missing)
    }

    /// Appends a piece to upload `id`, or starts a new upload called `name` when `id` is `None` (for
    /// transports without streaming bodies, such as the desktop IPC). Returns the id, stored name and size.
    pub fn append_piece(
        &self,
        id: Option<&str>,
        name: &str,
        bytes: &[u8],
    ) -> Result<(String, String, u64), UploadError> {
        let path = match id {
            None => {
                let up = self.create(name)?;
                let path = up.path.clone();
                up.finish()?;
                path
            }
            Some(id) => self
                .path(id)
                .map_err(|e| UploadError::Io(io::Error::new(io::ErrorKind::NotFound, e.to_string())))?,
        };
        let size = fs::metadata(&path)?.len() + bytes.len() as u64;
        if size > MAX_UPLOAD_BYTES {
            if let Some(dir) = path.parent() {
                let _ = fs::remove_dir_all(dir);
            }
            return Err(UploadError::TooLarge);
        }
        let mut f = fs::OpenOptions::new().append(true).open(&path)?;
        f.write_all(bytes)?;
        let id = path
            .parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((id, name, size))
    }

    /// Removes upload `id` (after its import).
    pub fn remove(&self, id: &str) {
        if let Ok(path) = self.path(id)
            && let Some(dir) = path.parent()
            && let Err(e) = fs::remove_dir_all(dir)
        {
            tracing::warn!(upload = id, error = %e, "cannot remove an upload");
        }
    }

    /// Removes uploads last written before `now - KEEP_FOR`.
    pub fn sweep(&self, now: SystemTime) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let cutoff = now.checked_sub(KEEP_FOR).unwrap_or(SystemTime::UNIX_EPOCH);
        for e in entries.filter_map(Result::ok) {
            let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < cutoff);
            if old && let Err(err) = fs::remove_dir_all(e.path()) {
                tracing::warn!(error = %err, "cannot remove an old upload");
            }
        }
    }
}

/// The last path component of `name`, without characters that are unsafe in file names; never empty.
fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "upload.csv".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_to_a_safe_last_component() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\x\\leads.xlsx"), "leads.xlsx");
        assert_eq!(safe_name(".."), "upload.csv");
        assert_eq!(safe_name("a:b?.csv"), "ab.csv");
        assert_eq!(safe_name("قائمة.csv"), "قائمة.csv");
    }

    #[test]
    fn an_upload_is_stored_found_and_removed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let uploads = Uploads::new(dir.path());
        let mut up = uploads.create("leads.csv")?;
        up.append(b"Phone\n55123456\n")?;
        let id = up.id.clone();
        assert_eq!(up.finish()?, 15);
        let path = uploads.path(&id)?;
        assert_eq!(fs::read_to_string(&path)?, "Phone\n55123456\n");
        assert!(path.ends_with("leads.csv"));
        assert!(uploads.path("../../etc").is_err());
        uploads.remove(&id);
        assert!(uploads.path(&id).is_err());
        // In pieces, as the desktop app sends them.
        let (id2, name, n) = uploads.append_piece(None, "b.csv", b"Phone\n")?;
        assert_eq!((name.as_str(), n), ("b.csv", 6));
        let (same, _, n) = uploads.append_piece(Some(&id2), "", b"55123456\n")?;
        assert_eq!((same.as_str(), n), (id2.as_str(), 15));
        assert_eq!(fs::read_to_string(uploads.path(&id2)?)?, "Phone\n55123456\n");
        assert!(
            uploads
                .append_piece(Some("0123456789abcdef0123456789abcdef"), "", b"x")
                .is_err()
        );
        // An upload dropped unfinished leaves nothing behind.
        let up = uploads.create("x.csv")?;
        let id = up.id.clone();
        drop(up);
        assert!(uploads.path(&id).is_err());
        Ok(())
    }

    #[test]
    fn sweep_removes_only_old_uploads() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let uploads = Uploads::new(dir.path());
        let up = uploads.create("a.csv")?;
        let id = up.id.clone();
        up.finish()?;
        let written = fs::metadata(uploads.path(&id)?)?.modified()?;
        uploads.sweep(written + Duration::from_secs(60));
        assert!(uploads.path(&id).is_ok());
        uploads.sweep(written + KEEP_FOR + Duration::from_secs(60));
        assert!(uploads.path(&id).is_err());
        Ok(())
    }
}
