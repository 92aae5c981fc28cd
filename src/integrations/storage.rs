//! Where rendered documents live: an S3 bucket (AWS, MinIO, R2, s3s-fs; path-style) when
//! one is configured, else a local directory (the default for `make run` and small
//! shops). Keys are `invoices/<tenant>/<invoice>.pdf`-style paths of safe characters
//! only, so a key can never escape the local root or surprise a bucket policy.

use std::path::{Path, PathBuf};

use aws_sdk_s3::{
    config::{
        BehaviorVersion, Credentials, Region, RequestChecksumCalculation,
        ResponseChecksumValidation,
    },
    primitives::ByteStream,
};
use secrecy::ExposeSecret;

use crate::config::StorageSettings;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key")]
    BadKey,
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("s3: {0}")]
    S3(String),
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

/// The configured document store. Cheap to clone.
#[derive(Debug, Clone)]
pub enum DocumentStore {
    Local(PathBuf),
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
    },
}

impl DocumentStore {
    pub fn from_settings(settings: &StorageSettings, data_dir: &Path) -> Self {
        if settings.s3_bucket.is_empty() {
            let root = if settings.local_dir.is_empty() {
                data_dir.join("files")
            } else {
                PathBuf::from(&settings.local_dir)
            };
            return Self::Local(root);
        }
        let credentials = Credentials::new(
            settings.s3_access_key.expose_secret(),
            settings.s3_secret_key.expose_secret(),
            None,
            None,
            "execora-config",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.s3_region.clone()))
            .credentials_provider(credentials)
            .force_path_style(true)
            // S3-compatible servers often reject the SDK's default CRC checksums.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if !settings.s3_endpoint.is_empty() {
            config = config.endpoint_url(&settings.s3_endpoint);
        }
        Self::S3 {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: settings.s3_bucket.clone(),
        }
    }

    pub async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<(), StorageError> {
        if !valid(key) {
            return Err(StorageError::BadKey);
        }
        match self {
            Self::Local(root) => {
                let path = root.join(key);
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                // Temp file then rename: a reader never sees half a file.
                let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
                tokio::fs::write(&tmp, bytes).await?;
                tokio::fs::rename(&tmp, &path).await?;
                Ok(())
            }
            Self::S3 { client, bucket } => client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type(content_type)
                .body(ByteStream::from(bytes.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    StorageError::S3(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
                }),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        if !valid(key) {
            return Err(StorageError::BadKey);
        }
        match self {
            Self::Local(root) => match tokio::fs::read(root.join(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Self::S3 { client, bucket } => {
                match client.get_object().bucket(bucket).key(key).send().await {
                    Ok(out) => {
                        let data = out
                            .body
                            .collect()
                            .await
                            .map_err(|e| StorageError::S3(e.to_string()))?;
                        Ok(Some(data.into_bytes().to_vec()))
                    }
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                    Err(e) => Err(StorageError::S3(
                        aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                    )),
                }
            }
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
    async fn local_put_then_get_round_trips() {
        let root =
            std::env::temp_dir().join(format!("execora-store-{}", uuid::Uuid::new_v4().simple()));
        let store = DocumentStore::Local(root);
        store
            .put("invoices/t/i.pdf", b"%PDF", "application/pdf")
            .await
            .unwrap();
        assert_eq!(
            store.get("invoices/t/i.pdf").await.unwrap().as_deref(),
            Some(&b"%PDF"[..])
        );
        assert!(store.get("invoices/t/missing.pdf").await.unwrap().is_none());
        assert!(matches!(
            store.put("../x", b"", "text/plain").await,
            Err(StorageError::BadKey)
        ));
    }
}
