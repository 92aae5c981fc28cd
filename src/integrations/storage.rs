//! Where rendered documents live. The built-in store is a local directory (the default
//! for `make run` and small shops); keys are `invoices/<tenant>/<invoice>.pdf`-style paths
//! of safe characters only, so a key can never escape the root.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key")]
    BadKey,
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

/// A local-directory object store.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

fn valid(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
}

impl LocalStore {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if valid(key) {
            Ok(self.root.join(key))
        } else {
            Err(StorageError::BadKey)
        }
    }

    /// Writes atomically (temp file, then rename), so a reader never sees half a file.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_root() {
        assert!(valid("invoices/abc/def.pdf"));
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "a/./b", "a b", "a\\b"] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn put_then_get_round_trips() {
        let root =
            std::env::temp_dir().join(format!("execora-store-{}", uuid::Uuid::new_v4().simple()));
        let store = LocalStore::new(&root);
        store.put("invoices/t/i.pdf", b"%PDF").await.unwrap();
        assert_eq!(
            store.get("invoices/t/i.pdf").await.unwrap().as_deref(),
            Some(&b"%PDF"[..])
        );
        assert!(store.get("invoices/t/missing.pdf").await.unwrap().is_none());
    }
}
