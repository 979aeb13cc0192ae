//! The waitlist: anyone may join once per address (told kindly when already on it) and
//! gets a confirmation; staff list it, export it as CSV and invite people from it.

use diesel_async::AsyncConnection;
use gatehouse_shared::auth::{normalize_email, NAME_MAX};
use gatehouse_shared::onboarding::{WaitlistEntry, WaitlistJoined, WaitlistPage, WaitlistRequest};
use uuid::Uuid;

use super::Fields;
use crate::db::onboarding::{self as q, WaitlistRow};
use crate::db::{catalog, Conn};
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

pub async fn join(conn: &mut Conn, request: &WaitlistRequest) -> AppResult<WaitlistJoined> {
    let mut fields = Fields::new();
    let email = normalize_email(&request.email);
    if email.is_none() {
        fields.insert("email".into(), "is not a valid email address".into());
    }
    let name = request.name.trim();
    if name.chars().count() > NAME_MAX {
        fields.insert("name".into(), "must be at most 100 characters".into());
    }
    let product = request
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(slug) = product {
        let offered = slug.len() <= 64
            && catalog::find_product_by_slug(conn, slug)
                .await?
                .is_some_and(|p| p.active);
        if !offered {
            fields.insert("product".into(), "is not a product we offer".into());
        }
    }
    let Some(email) = email.filter(|_| fields.is_empty()) else {
        return Err(AppError::Validation { fields });
    };
    let added = conn
        .transaction::<_, AppError, _>(async |tx| {
            let added = q::join_waitlist(tx, &email, name, product).await?;
            if added {
                enqueue(tx, &SendEmail(templates::waitlist_joined(&email, name))).await?;
            }
            Ok(added)
        })
        .await?;
    Ok(if added {
        WaitlistJoined {
            status: "added".to_owned(),
            message: "You are on the list. We have sent you a confirmation email.".to_owned(),
        }
    } else {
        WaitlistJoined {
            status: "already_on_list".to_owned(),
            message: "You are already on the list; we will be in touch.".to_owned(),
        }
    })
}

fn entry(row: WaitlistRow) -> WaitlistEntry {
    WaitlistEntry {
        id: row.id,
        email: row.email,
        name: row.name,
        product: row.product_slug,
        created_at: row.created_at.to_rfc3339(),
        invited_at: row.invited_at.map(|at| at.to_rfc3339()),
    }
}

pub async fn page(conn: &mut Conn, limit: i64, offset: i64) -> AppResult<WaitlistPage> {
    let entries = q::waitlist_page(conn, limit, offset).await?;
    Ok(WaitlistPage {
        entries: entries.into_iter().map(entry).collect(),
        total: q::waitlist_count(conn).await?,
    })
}

/// The whole list, oldest first, as CSV with a header row.
pub async fn csv(conn: &mut Conn) -> AppResult<String> {
    let mut out = String::from("email,name,product,joined_at,invited_at\r\n");
    let mut offset = 0;
    loop {
        let rows = q::waitlist_page(conn, 1000, offset).await?;
        if rows.is_empty() {
            return Ok(out);
        }
        offset += rows.len() as i64;
        for row in rows.into_iter().map(entry) {
            crate::csv::push_row(
                &mut out,
                &[
                    &row.email,
                    &row.name,
                    row.product.as_deref().unwrap_or_default(),
                    &row.created_at,
                    row.invited_at.as_deref().unwrap_or_default(),
                ],
            );
        }
    }
}

/// Emails the person a sign-up link and records when.
pub async fn invite(conn: &mut Conn, public_url: &url::Url, id: Uuid) -> AppResult<WaitlistEntry> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let row = q::waitlist_entry(tx, id).await?.ok_or(AppError::NotFound)?;
        let mut link = public_url.join("onboarding").map_err(AppError::internal)?;
        link.query_pairs_mut().append_pair("email", &row.email);
        if let Some(product) = &row.product_slug {
            link.query_pairs_mut().append_pair("product", product);
        }
        enqueue(
            tx,
            &SendEmail(templates::waitlist_invite(
                &row.email,
                &row.name,
                link.as_str(),
            )),
        )
        .await?;
        q::mark_invited(tx, id).await?;
        let row = q::waitlist_entry(tx, id).await?.ok_or(AppError::NotFound)?;
        Ok(entry(row))
    })
    .await
}
