//! `community revenue ...`: add, list, refund, import; and the membership payment that
//! `member renew --paid` records.
//!
//! Each verb validates its arguments, calls db/ inside one transaction, and hands rows to the
//! renderer. No SQL and no formatting here.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

use crate::cli::{
    RenewPaymentArgs, RevenueAddArgs, RevenueCommand, RevenueImportArgs, RevenueListArgs,
    RevenueRefundArgs,
};
use crate::context::Context;
use crate::dates;
use crate::db::payments::{self, NewPayment, Payment, Period};
use crate::db::{courses, members, rollups};
use crate::import::reader::{self, Columns, RawRow, Rows};
use crate::import::{RowError, RowErrors};
use crate::member::MemberRef;
use crate::money::{Currency, Money};
use crate::output::Record;
use crate::revenue::Kind;

pub fn run(ctx: &Context, command: RevenueCommand) -> Result<ExitCode> {
    match command {
        RevenueCommand::Add(args) => add(ctx, args),
        RevenueCommand::List(args) => list(ctx, &args),
        RevenueCommand::Refund(args) => refund(ctx, args),
        RevenueCommand::Import(args) => import(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A row of `revenue list`. Its first columns are those `revenue import` reads, so a list can
/// be edited and imported elsewhere.
#[derive(Serialize)]
pub struct PaymentRow {
    id: i64,
    paid_on: NaiveDate,
    kind: Kind,
    amount: String,
    currency: Currency,
    member_id: Option<i64>,
    member: Option<String>,
    course: Option<String>,
    period_start: Option<NaiveDate>,
    period_months: Option<u32>,
    reference: Option<String>,
    refund_of: Option<i64>,
    /// How much of the payment has been refunded (positive); empty on a refund.
    refunded: Option<String>,
    note: Option<String>,
    paid_at: String,
}

impl Record for PaymentRow {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "paid_on",
        "kind",
        "amount",
        "currency",
        "member_id",
        "member",
        "course",
        "period_start",
        "period_months",
        "reference",
        "refund_of",
        "refunded",
        "note",
        "paid_at",
    ];
}

impl PaymentRow {
    fn new(p: Payment) -> PaymentRow {
        let refunded = (p.kind != Kind::Refund).then(|| {
            p.refunded
                .checked_neg()
                .unwrap_or(Money::ZERO)
                .to_decimal(&p.currency)
        });
        PaymentRow {
            id: p.id,
            paid_on: p.paid_on,
            kind: p.kind,
            amount: p.amount.to_decimal(&p.currency),
            member_id: p.member_id,
            member: p.member,
            course: p.course,
            period_start: p.period.map(|x| x.start),
            period_months: p.period.map(|x| x.months),
            reference: p.reference,
            refund_of: p.refund_of,
            refunded,
            note: p.note,
            paid_at: p.paid_at,
            currency: p.currency,
        }
    }
}

fn add(ctx: &Context, args: RevenueAddArgs) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let kind = Kind::income(&args.kind).context("--kind")?;
    let amount = positive_amount(&args.amount, currency).context("--amount")?;
    let (paid_at, paid_on) = paid_at(ctx, args.at.as_deref(), "--at")?;
    if args.months.is_some() && kind != Kind::Membership {
        bail!(
            "--months is for membership fees only; this is a {kind} payment\nhint: drop --months, or pass --kind membership"
        );
    }
    let from = args
        .from
        .as_deref()
        .map(|t| dates::parse_date(t, ctx.today).with_context(|| format!("--from {t:?}")))
        .transpose()?;
    let reference = clean(args.reference);

    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let member_id = args
        .member
        .as_deref()
        .map(|m| resolve_member(&tx, m).context("--member"))
        .transpose()?;
    let course_id = args
        .course
        .as_deref()
        .map(|c| course_id(&tx, c).context("--course"))
        .transpose()?;
    if let Some(reference) = &reference {
        refuse_known_reference(&tx, reference, "--reference")?;
    }
    let period = match kind {
        Kind::Membership => {
            let months = match args.months {
                Some(months) => Some(months),
                None => tier_months(ctx, &tx, member_id)?,
            };
            months.map(|months| Period {
                start: from.unwrap_or(paid_on),
                months,
            })
        }
        _ => None,
    };
    let payment = NewPayment {
        kind,
        amount,
        currency: currency.clone(),
        paid_at,
        paid_on,
        member_id,
        course_id,
        period,
        reference,
        refund_of: None,
        note: clean(args.note),
    };
    let id = payments::insert(&tx, &payment, &ctx.now())?;
    tx.commit()?;
    println!("{id}");
    ctx.note(format!(
        "recorded payment {id}: {kind} {} on {paid_on}{}",
        amount.display(currency),
        describe_period(period)
    ));
    if kind == Kind::Membership && period.is_none() {
        ctx.note(
            "it has no period, so it counts in revenue but not in MRR\nhint: pass --months N for the months it pays for",
        );
    }
    Ok(())
}

fn list(ctx: &Context, args: &RevenueListArgs) -> Result<()> {
    let date = |text: &Option<String>, flag: &str| -> Result<Option<NaiveDate>> {
        text.as_deref()
            .map(|t| dates::parse_date(t, ctx.today).with_context(|| format!("{flag} {t:?}")))
            .transpose()
    };
    let kind = args
        .kind
        .as_deref()
        .map(str::parse::<Kind>)
        .transpose()
        .context("--kind")?;
    let since = date(&args.since, "--since")?;
    let until = date(&args.until, "--until")?;
    let conn = ctx.read_db()?;
    let filter = payments::Filter {
        kind,
        since,
        until,
        member_id: args
            .member
            .as_deref()
            .map(|m| resolve_member(&conn, m).context("--member"))
            .transpose()?,
        course_id: args
            .course
            .as_deref()
            .map(|c| course_id(&conn, c).context("--course"))
            .transpose()?,
        limit: args.limit,
    };
    let mut out = ctx.renderer::<PaymentRow>()?;
    payments::for_each(&conn, &filter, |p| out.write(&PaymentRow::new(p)))?;
    out.finish()
}

fn refund(ctx: &Context, args: RevenueRefundArgs) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let (paid_at, paid_on) = paid_at(ctx, args.at.as_deref(), "--at")?;
    let reference = clean(args.reference);
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let original = payments::get(&tx, args.payment)?.ok_or_else(|| {
        anyhow!(
            "no payment {}\nhint: `community revenue list` shows payment ids",
            args.payment
        )
    })?;
    if original.kind == Kind::Refund {
        bail!(
            "payment {} is itself a refund (of payment {}); refund that payment instead",
            original.id,
            original.refund_of.unwrap_or_default()
        );
    }
    let left = original
        .amount
        .checked_add(original.refunded)
        .ok_or_else(|| anyhow!("payment {} has an impossible refund total", original.id))?;
    if !left.is_positive() {
        bail!(
            "payment {} ({}) has already been refunded in full",
            original.id,
            original.amount.display(currency)
        );
    }
    let amount = match &args.amount {
        Some(text) => positive_amount(text, currency).context("--amount")?,
        None => left,
    };
    if amount > left {
        bail!(
            "--amount {:?}: more than is left of payment {}: it was {}, {} has been refunded, {} is left",
            args.amount.as_deref().unwrap_or_default(),
            original.id,
            original.amount.display(currency),
            original
                .refunded
                .checked_neg()
                .unwrap_or(Money::ZERO)
                .display(currency),
            left.display(currency)
        );
    }
    if let Some(reference) = &reference {
        refuse_known_reference(&tx, reference, "--reference")?;
    }
    let refund = NewPayment {
        kind: Kind::Refund,
        amount: amount
            .checked_neg()
            .ok_or_else(|| anyhow!("--amount is too large"))?,
        currency: currency.clone(),
        paid_at,
        paid_on,
        // The refund is attributed where the payment was: member, course and period.
        member_id: original.member_id,
        course_id: original.course_id,
        period: original.period,
        reference,
        refund_of: Some(original.id),
        note: clean(args.note),
    };
    let id = payments::insert(&tx, &refund, &ctx.now())?;
    tx.commit()?;
    println!("{id}");
    let rest = left.checked_sub(amount).unwrap_or(Money::ZERO);
    ctx.note(format!(
        "refunded {} of payment {} as payment {id}; {} of it is left",
        amount.display(currency),
        original.id,
        rest.display(currency)
    ));
    Ok(())
}

/// Columns `revenue import` reads.
const IMPORT_COLUMNS: &[&str] = &[
    "reference",
    "kind",
    "amount",
    "paid_at",
    "member",
    "course",
    "period_months",
    "note",
];

fn import(ctx: &Context, args: &RevenueImportArgs) -> Result<()> {
    let encoding = args.encoding.as_deref().map(reader::encoding).transpose()?;
    let mut rows = Rows::open(&args.file, None, encoding)?;
    let mut columns = Columns::of(&rows, &["kind", "amount", "paid_at"], IMPORT_COLUMNS)?;
    let mut conn = ctx.write_db()?;
    payments::prepare_bulk(&conn)?;
    let tx = conn.transaction()?;
    let load = rollups::start_payment_load(&tx)?;
    let now = ctx.now();
    let mut cache = Lookups::default();
    let (mut added, mut unchanged) = (0u64, 0u64);
    let mut errors = RowErrors::default();
    while let Some(row) = rows.next_row()? {
        columns.follow(rows.headers());
        let payment = row
            .map_err(|shape| RowProblem::Row(shape.into()))
            .and_then(|row| import_row(ctx, &tx, &row, &columns, &mut cache));
        match payment {
            Ok(None) => unchanged += 1,
            Ok(Some(payment)) => {
                if errors.is_empty() {
                    payments::insert(&tx, &payment, &now)?;
                }
                added += 1;
            }
            Err(RowProblem::Row(err)) => errors.push(err),
            Err(RowProblem::Other(err)) => return Err(err),
        }
    }
    errors.fail(rows.name())?;
    load.finish(&tx)?;
    finish(ctx, tx, args.dry_run)?;
    let verb = if args.dry_run { "would add" } else { "added" };
    ctx.note(format!(
        "{}: {verb} {added} payment(s); {unchanged} already there (same reference) left unchanged",
        rows.name()
    ));
    Ok(())
}

/// A row of a ledger import as a payment to write, or `None` when its reference is already
/// in the ledger.
fn import_row(
    ctx: &Context,
    tx: &Transaction<'_>,
    row: &RawRow,
    columns: &Columns,
    cache: &mut Lookups,
) -> Result<Option<NewPayment>, RowProblem> {
    let currency = &ctx.config.community.currency;
    let get = |column: &str| row.get(columns, column);
    let reference = get("reference");
    if let Some(reference) = reference
        && payments::by_reference(tx, reference)?.is_some()
    {
        return Ok(None);
    }
    let required = |column: &str| {
        get(column).ok_or_else(|| row.error(columns, column, format!("missing {column}")))
    };
    let kind = Kind::income(required("kind")?).map_err(|e| row.error(columns, "kind", e))?;
    let amount = positive_amount(required("amount")?, currency)
        .map_err(|e| row.error(columns, "amount", e))?;
    let text = required("paid_at")?;
    let (paid_at, paid_on) =
        loose_paid_at(ctx, text).map_err(|e| row.error(columns, "paid_at", e))?;
    let member_id = match get("member") {
        Some(text) => Some(
            cache
                .member(tx, text)
                .map_err(|e| row.error(columns, "member", e))?,
        ),
        None => None,
    };
    let course_id = match get("course") {
        Some(text) => Some(
            cache
                .course(tx, text)?
                .map_err(|e| row.error(columns, "course", e))?
                .0,
        ),
        None => None,
    };
    let months = match get("period_months") {
        None => None,
        Some(_) if kind != Kind::Membership => {
            return Err(row
                .error(
                    columns,
                    "period_months",
                    format!("a period is for membership fees only; this is a {kind} payment"),
                )
                .into());
        }
        Some(text) => Some(
            text.parse::<u32>()
                .ok()
                .filter(|m| (1..=1200).contains(m))
                .ok_or_else(|| {
                    row.error(
                        columns,
                        "period_months",
                        format!("invalid period {text:?}: expected whole months from 1 to 1200"),
                    )
                })?,
        ),
    };
    let months = match (kind, months) {
        (Kind::Membership, None) => tier_months(ctx, tx, member_id)?,
        (_, months) => months,
    };
    Ok(Some(NewPayment {
        kind,
        amount,
        currency: currency.clone(),
        paid_at,
        paid_on,
        member_id,
        course_id,
        period: months.map(|months| Period {
            start: paid_on,
            months,
        }),
        reference: reference.map(str::to_string),
        refund_of: None,
        note: get("note").map(str::to_string),
    }))
}

/// Records the fee of a renewal in the renewal's transaction: a membership payment for the
/// months renewed, from the day the renewal starts. Does nothing without `--paid`.
pub fn record_renewal(
    ctx: &Context,
    tx: &Transaction<'_>,
    member_id: i64,
    start: NaiveDate,
    months: u32,
    args: &RenewPaymentArgs,
) -> Result<Option<i64>> {
    let Some(text) = &args.paid else {
        return Ok(None);
    };
    let currency = &ctx.config.community.currency;
    let amount = positive_amount(text, currency).context("--paid")?;
    let (paid_at, paid_on) = paid_at(ctx, args.at.as_deref(), "--at")?;
    let reference = clean(args.reference.clone());
    if let Some(reference) = &reference {
        refuse_known_reference(tx, reference, "--reference")?;
    }
    let payment = NewPayment {
        kind: Kind::Membership,
        amount,
        currency: currency.clone(),
        paid_at,
        paid_on,
        member_id: Some(member_id),
        course_id: None,
        period: Some(Period { start, months }),
        reference,
        refund_of: None,
        note: None,
    };
    let id = payments::insert(tx, &payment, &ctx.now())?;
    ctx.note(format!(
        "recorded payment {id}: membership {} on {paid_on}{}",
        amount.display(currency),
        describe_period(payment.period)
    ));
    Ok(Some(id))
}

/// An amount of income: more than zero, in the community's currency.
pub(crate) fn positive_amount(text: &str, currency: &Currency) -> Result<Money> {
    let amount = Money::parse(text, currency)?;
    if !amount.is_positive() {
        bail!("invalid amount {text:?}: must be more than zero");
    }
    Ok(amount)
}

/// When a payment was made, from a flag: a date (`2026-11-01`, `today`, `-3d`) is midnight in
/// the community's timezone; a date-time (`2026-11-01 20:15`, RFC 3339) is taken as written.
/// Without a value: now, unless `--today` pins another day, then that day's midnight, so
/// that a pinned run writes the same books every time.
pub(crate) fn paid_at(
    ctx: &Context,
    text: Option<&str>,
    flag: &str,
) -> Result<(DateTime<Utc>, NaiveDate)> {
    let tz = ctx.config.community.timezone;
    let midnight = |date: NaiveDate| -> Result<(DateTime<Utc>, NaiveDate)> {
        let at = dates::parse_datetime_loose(&date.to_string(), tz)?;
        Ok((at, date))
    };
    match text {
        None => {
            let now = Utc::now();
            if now.with_timezone(&tz).date_naive() == ctx.today {
                Ok((now, ctx.today))
            } else {
                midnight(ctx.today)
            }
        }
        Some(text) => match dates::parse_date(text, ctx.today) {
            Ok(date) => midnight(date),
            Err(_) => loose_paid_at(ctx, text).with_context(|| format!("{flag} {text:?}")),
        },
    }
}

/// A date or date-time as exports write it (`2024-02-12 17:26:16`, `2024/1/5`, RFC 3339,
/// Unix seconds), with its date in the community's timezone.
fn loose_paid_at(ctx: &Context, text: &str) -> Result<(DateTime<Utc>, NaiveDate)> {
    let tz = ctx.config.community.timezone;
    let at = dates::parse_datetime_loose(text, tz)?;
    Ok((at, at.with_timezone(&tz).date_naive()))
}

pub(crate) fn resolve_member(conn: &Connection, reference: &str) -> Result<i64> {
    let parsed: MemberRef = reference.parse()?;
    members::resolve(conn, &parsed)
}

/// The id of a course named by its slug, or an error that says how to find one.
pub(crate) fn course_id(conn: &Connection, slug: &str) -> Result<i64> {
    let slug = crate::course::slug(slug)?;
    courses::id_of(conn, &slug)?
        .map(|(id, _)| id)
        .ok_or_else(|| no_course(&slug))
}

pub(crate) fn no_course(slug: &str) -> anyhow::Error {
    anyhow!(
        "no course {slug:?}\nhint: `community course list` shows the courses; `community course add --slug {slug}` adds one"
    )
}

pub(crate) fn refuse_known_reference(conn: &Connection, reference: &str, flag: &str) -> Result<()> {
    if let Some(id) = payments::by_reference(conn, reference)? {
        bail!(
            "{flag} {reference:?} is already payment {id}; references are unique\nhint: `community revenue list` shows it"
        );
    }
    Ok(())
}

/// The months one payment of a member's tier pays for; `None` without a member, or for a
/// free or lifetime tier.
fn tier_months(ctx: &Context, conn: &Connection, member_id: Option<i64>) -> Result<Option<u32>> {
    let Some(id) = member_id else {
        return Ok(None);
    };
    let member = members::get(conn, id, ctx.today)?;
    Ok(member
        .and_then(|m| ctx.config.tier(&m.fields.tier).cloned())
        .filter(|t| t.is_paid())
        .and_then(|t| t.period.months()))
}

fn describe_period(period: Option<Period>) -> String {
    match period {
        Some(p) => match p.end() {
            Some(end) => format!(" for {} month(s), {} to {end}", p.months, p.start),
            None => format!(" for {} month(s) from {}", p.months, p.start),
        },
        None => String::new(),
    }
}

/// Trims, and treats an empty value as absent.
pub(crate) fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Commits, or rolls back a dry run.
pub(crate) fn finish(ctx: &Context, tx: Transaction<'_>, dry_run: bool) -> Result<()> {
    if dry_run {
        tx.rollback()?;
        ctx.note("dry run: nothing was written");
    } else {
        tx.commit()?;
    }
    Ok(())
}

/// Why a row was not imported: its own fault (reported with the others), or the database's
/// (which ends the import at once).
pub(crate) enum RowProblem {
    Row(RowError),
    Other(anyhow::Error),
}

impl From<RowError> for RowProblem {
    fn from(err: RowError) -> Self {
        RowProblem::Row(err)
    }
}

impl From<anyhow::Error> for RowProblem {
    fn from(err: anyhow::Error) -> Self {
        RowProblem::Other(err)
    }
}

impl From<rusqlite::Error> for RowProblem {
    fn from(err: rusqlite::Error) -> Self {
        RowProblem::Other(err.into())
    }
}

/// Members and courses already looked up during one import.
#[derive(Default)]
pub(crate) struct Lookups {
    members: std::collections::HashMap<String, i64>,
    courses: std::collections::HashMap<String, Option<(i64, crate::course::CourseStatus)>>,
}

impl Lookups {
    pub(crate) fn member(&mut self, conn: &Connection, text: &str) -> Result<i64> {
        if let Some(id) = self.members.get(text) {
            return Ok(*id);
        }
        let id = resolve_member(conn, text)?;
        self.members.insert(text.to_string(), id);
        Ok(id)
    }

    /// The id and status of a course by slug; the outer error is the database's, the inner
    /// one the row's.
    pub(crate) fn course(
        &mut self,
        conn: &Connection,
        text: &str,
    ) -> Result<Result<(i64, crate::course::CourseStatus)>> {
        let slug = match crate::course::slug(text) {
            Ok(slug) => slug,
            Err(e) => return Ok(Err(e.into())),
        };
        let found = match self.courses.get(&slug) {
            Some(found) => *found,
            None => {
                let found = courses::id_of(conn, &slug)?;
                self.courses.insert(slug.clone(), found);
                found
            }
        };
        Ok(found.ok_or_else(|| no_course(&slug)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    #[test]
    fn row_columns_match_their_fields() {
        let c = Currency::default();
        assert_columns(&PaymentRow::new(Payment {
            id: 1,
            kind: Kind::Qa,
            amount: Money::from_minor(5000),
            currency: c,
            paid_at: "2026-11-23T00:00:00Z".into(),
            paid_on: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            member_id: None,
            member: None,
            course_id: None,
            course: None,
            period: None,
            reference: None,
            refund_of: None,
            refunded: Money::ZERO,
            note: None,
        }));
    }

    #[test]
    fn income_must_be_positive() {
        let c = Currency::default();
        assert_eq!(positive_amount("¥1,299", &c).unwrap().minor(), 129900);
        let err = positive_amount("0", &c).unwrap_err().to_string();
        assert_eq!(err, "invalid amount \"0\": must be more than zero");
        assert!(
            positive_amount("-5", &c)
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
    }
}
