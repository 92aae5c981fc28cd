//! Finding a customer from what a shopkeeper says or types.
//!
//! A string of digits is a phone lookup (matched on the last ten digits). Anything else
//! is a name: honorifics and Hinglish fillers are dropped, a word before "wala" is a
//! landmark, the rest is phonetically folded and expanded through the nickname table.
//! Postgres (pg_trgm on the folded name) picks a broad candidate set; Rust re-ranks it
//! with the same trigram measure plus nickname and landmark evidence, and says whether
//! the best candidate is a clear match or the caller must ask which one.

use sqlx::PgPool;
use uuid::Uuid;

use super::{
    customers::{COLUMNS, Customer},
    names::{self, Resolution},
    phone,
};

/// One candidate and how well it matched (0..1).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub customer: Customer,
    pub score: f32,
}

/// The ranked candidates and what they amount to.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub candidates: Vec<Candidate>,
    pub resolution: Resolution,
}

/// How many rows the database hands over for re-ranking.
const CANDIDATE_LIMIT: i64 = 50;

pub async fn search(
    pool: &PgPool,
    tenant: Uuid,
    query: &str,
    limit: usize,
) -> sqlx::Result<SearchResult> {
    let digits = phone::digits_only(query);
    let parsed = names::parse_query(query);
    let rows = match &digits {
        Some(digits) => by_phone(pool, tenant, digits).await?,
        None => by_name(pool, tenant, &parsed).await?,
    };
    let is_phone = digits.is_some();
    let mut candidates: Vec<Candidate> = rows
        .into_iter()
        .map(|customer| {
            let score = if is_phone {
                1.0
            } else {
                names::score(
                    &parsed,
                    &customer.name,
                    &customer.nicknames,
                    customer.landmark.as_deref(),
                )
            };
            Candidate { customer, score }
        })
        .filter(|c| c.score > 0.0)
        .collect();
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    candidates.truncate(limit);
    let scores: Vec<f32> = candidates.iter().map(|c| c.score).collect();
    let resolution = names::resolve(&scores);
    Ok(SearchResult {
        candidates,
        resolution,
    })
}

async fn by_phone(pool: &PgPool, tenant: Uuid, digits: &str) -> sqlx::Result<Vec<Customer>> {
    let tail: String = digits
        .chars()
        .rev()
        .take(10)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from customers
         where business_id = $1 and erased_at is null and phone like '%' || $2
         order by created_at limit {CANDIDATE_LIMIT}"
    )))
    .bind(tenant)
    .bind(tail)
    .fetch_all(pool)
    .await
}

async fn by_name(
    pool: &PgPool,
    tenant: Uuid,
    parsed: &names::ParsedQuery,
) -> sqlx::Result<Vec<Customer>> {
    if parsed.name_tokens.is_empty() {
        return Ok(Vec::new());
    }
    // The whole folded name, each token, and each token's nickname expansions.
    let mut variants = vec![parsed.name_tokens.join(" ")];
    for token in &parsed.name_tokens {
        variants.push(token.clone());
        variants.extend(
            names::nickname_expansions(token)
                .into_iter()
                .map(str::to_string),
        );
    }
    variants.sort();
    variants.dedup();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from customers c
         where business_id = $1 and erased_at is null
           and exists (select 1 from unnest($2::text[]) v
                       where similarity(c.name_folded, v) > 0.2
                          or word_similarity(v, c.name_folded) > 0.5
                          or v = any(c.nicknames_folded))
         order by (select max(greatest(similarity(c.name_folded, v), word_similarity(v, c.name_folded)))
                   from unnest($2::text[]) v) desc
         limit {CANDIDATE_LIMIT}"
    )))
    .bind(tenant)
    .bind(&variants)
    .fetch_all(pool)
    .await
}
