//! `community course ...`: add, list, show, edit, close, remove, enroll, unenroll, students,
//! complete, import.
//!
//! Each verb validates its arguments, calls db/ inside one transaction, and hands rows to the
//! renderer. No SQL and no formatting here. A paid seat is a `course` payment in the ledger.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

use crate::cli::{
    CourseAddArgs, CourseCommand, CourseEditArgs, CourseEnrollArgs, CourseImportArgs,
};
use crate::commands::revenue::{
    self as ledger, Lookups, RowProblem, clean, paid_at, positive_amount,
};
use crate::context::Context;
use crate::course::{self, CourseStatus};
use crate::db::courses::{self, Course, CourseFields, Student};
use crate::db::payments::{self, NewPayment};
use crate::db::rollups;
use crate::import::RowErrors;
use crate::import::reader::{self, Columns, RawRow, Rows};
use crate::money::{Currency, Money};
use crate::output::Record;
use crate::prompt;
use crate::revenue::{Kind, percent_of};

pub fn run(ctx: &Context, command: CourseCommand) -> Result<ExitCode> {
    match command {
        CourseCommand::Add(args) => add(ctx, args),
        CourseCommand::List { status } => list(ctx, status.as_deref()),
        CourseCommand::Show { course } => show(ctx, &course),
        CourseCommand::Edit(args) => edit(ctx, args),
        CourseCommand::Close { course } => close(ctx, &course),
        CourseCommand::Remove { course } => remove(ctx, &course),
        CourseCommand::Enroll(args) => enroll(ctx, args),
        CourseCommand::Unenroll { course, member } => unenroll(ctx, &course, &member),
        CourseCommand::Students { course } => students(ctx, &course),
        CourseCommand::Complete { course, member, on } => {
            complete(ctx, &course, &member, on.as_deref())
        }
        CourseCommand::Import(args) => import(ctx, &args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// A row of `course list`, and the fields of `course show`.
#[derive(Serialize)]
struct CourseRow<'a> {
    id: i64,
    slug: &'a str,
    title: &'a str,
    status: CourseStatus,
    price: String,
    students: i64,
    completed: i64,
    /// Completed students as a percentage of students, one decimal; empty without students.
    completion_pct: Option<String>,
    /// Net income linked to the course: payments minus refunds.
    revenue: String,
    description: Option<&'a str>,
}

impl Record for CourseRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "slug",
        "title",
        "status",
        "price",
        "students",
        "completed",
        "completion_pct",
        "revenue",
        "description",
    ];
}

impl<'a> CourseRow<'a> {
    fn new(c: &'a Course, currency: &Currency) -> Self {
        CourseRow {
            id: c.id,
            slug: &c.fields.slug,
            title: &c.fields.title,
            status: c.fields.status,
            price: c.fields.price.to_decimal(currency),
            students: c.students,
            completed: c.completed,
            completion_pct: percent_of(c.completed, c.students),
            revenue: c.revenue.to_decimal(currency),
            description: c.fields.description.as_deref(),
        }
    }
}

/// A row of `course students`.
#[derive(Serialize)]
struct StudentRow<'a> {
    member_id: i64,
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    wechat: Option<&'a str>,
    enrolled_on: NaiveDate,
    /// What they paid for the seat (0.00 for a free seat).
    paid: String,
    payment_id: Option<i64>,
    reference: Option<&'a str>,
    completed_on: Option<NaiveDate>,
}

impl Record for StudentRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "member_id",
        "name",
        "email",
        "phone",
        "wechat",
        "enrolled_on",
        "paid",
        "payment_id",
        "reference",
        "completed_on",
    ];
}

impl<'a> StudentRow<'a> {
    fn new(s: &'a Student, currency: &Currency) -> Self {
        StudentRow {
            member_id: s.member_id,
            name: &s.name,
            email: s.email.as_deref(),
            phone: s.phone.as_deref(),
            wechat: s.wechat.as_deref(),
            enrolled_on: s.enrolled_on,
            paid: s.price_paid.to_decimal(currency),
            payment_id: s.payment_id,
            reference: s.reference.as_deref(),
            completed_on: s.completed_on,
        }
    }
}

fn add(ctx: &Context, args: CourseAddArgs) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let slug = prompt::required(ctx, args.slug, "--slug", "Slug (like rust-101)")?;
    let slug = course::slug(&slug).context("--slug")?;
    let title = prompt::required(ctx, args.title, "--title", "Title")?;
    let title = course::title(&title).context("--title")?;
    let price = prompt::required(ctx, args.price, "--price", "Price")?;
    let price = Money::parse(&price, currency).context("--price")?;
    let status: CourseStatus = args.status.parse().context("--status")?;
    let fields = CourseFields {
        slug,
        title,
        description: clean(args.description),
        price,
        status,
    };
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    if let Some(existing) = courses::by_slug(&tx, &fields.slug)? {
        bail!(
            "--slug {:?}: course {} already has it ({})\nhint: `community course edit {}` changes it",
            fields.slug,
            existing.id,
            existing.fields.title,
            fields.slug
        );
    }
    let id = courses::insert(&tx, &fields, &ctx.now())?;
    tx.commit()?;
    println!("{id}");
    ctx.note(format!(
        "added course {id}: {} ({}), {}, {}",
        fields.slug,
        fields.title,
        price.display(currency),
        status
    ));
    Ok(())
}

fn list(ctx: &Context, status: Option<&str>) -> Result<()> {
    let status = status
        .map(str::parse::<CourseStatus>)
        .transpose()
        .context("--status")?;
    let conn = ctx.read_db()?;
    let currency = &ctx.config.community.currency;
    let mut out = ctx.renderer::<CourseRow>()?;
    for course in courses::list(&conn, status)? {
        out.write(&CourseRow::new(&course, currency))?;
    }
    out.finish()
}

fn show(ctx: &Context, slug: &str) -> Result<()> {
    let conn = ctx.read_db()?;
    let currency = &ctx.config.community.currency;
    let course = load(&conn, slug)?;
    let students = courses::students(&conn, course.id)?;
    let row = CourseRow::new(&course, currency);
    let student_rows: Vec<StudentRow> = students
        .iter()
        .map(|s| StudentRow::new(s, currency))
        .collect();
    #[derive(Serialize)]
    struct Detail<'a> {
        #[serde(flatten)]
        course: CourseRow<'a>,
        payments: i64,
        created_at: &'a str,
        updated_at: &'a str,
        student_list: Vec<StudentRow<'a>>,
    }
    crate::output::show(
        ctx.format,
        ctx.terminal,
        &Detail {
            course: row,
            payments: course.payments,
            created_at: &course.created_at,
            updated_at: &course.updated_at,
            student_list: student_rows,
        },
    )
}

fn edit(ctx: &Context, args: CourseEditArgs) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let course = load(&tx, &args.course)?;
    let mut fields = course.fields.clone();
    if let Some(slug) = &args.slug {
        fields.slug = course::slug(slug).context("--slug")?;
    }
    if let Some(title) = &args.title {
        fields.title = course::title(title).context("--title")?;
    }
    let described = args.description.is_some();
    if let Some(description) = args.description {
        fields.description = clean(Some(description));
    }
    if let Some(price) = &args.price {
        fields.price = Money::parse(price, currency).context("--price")?;
    }
    if let Some(status) = &args.status {
        fields.status = status.parse().context("--status")?;
    }
    if args.slug.is_none()
        && args.title.is_none()
        && !described
        && args.price.is_none()
        && args.status.is_none()
    {
        bail!(
            "nothing to change: pass at least one of --slug, --title, --description, --price, --status"
        );
    }
    if fields == course.fields {
        ctx.note(format!("course {} unchanged", course.fields.slug));
        return Ok(());
    }
    if fields.slug != course.fields.slug
        && let Some(other) = courses::by_slug(&tx, &fields.slug)?
    {
        bail!(
            "--slug {:?}: course {} already has it",
            fields.slug,
            other.id
        );
    }
    courses::update(&tx, course.id, &fields, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "updated course {}: {} ({}), {}, {}",
        course.id,
        fields.slug,
        fields.title,
        fields.price.display(currency),
        fields.status
    ));
    Ok(())
}

fn close(ctx: &Context, slug: &str) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let course = load(&tx, slug)?;
    if course.fields.status == CourseStatus::Closed {
        ctx.note(format!("course {} is already closed", course.fields.slug));
        return Ok(());
    }
    let fields = CourseFields {
        status: CourseStatus::Closed,
        ..course.fields.clone()
    };
    courses::update(&tx, course.id, &fields, &ctx.now())?;
    tx.commit()?;
    ctx.note(format!(
        "closed course {}: no new students without --force",
        fields.slug
    ));
    Ok(())
}

fn remove(ctx: &Context, slug: &str) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let mut conn = ctx.write_db()?;
    let course = load(&conn, slug)?;
    if course.students > 0 || course.payments > 0 {
        prompt::confirm(
            ctx,
            &format!(
                "Course {} has {} student(s) and {} payment(s) ({} net). Remove it with its enrollments? Its payments stay in the ledger, unlinked.",
                course.fields.slug,
                course.students,
                course.payments,
                course.revenue.display(currency)
            ),
        )?;
    }
    let tx = conn.transaction()?;
    courses::delete(&tx, course.id)?;
    tx.commit()?;
    ctx.note(format!(
        "removed course {} ({}); {} payment(s) kept",
        course.fields.slug, course.fields.title, course.payments
    ));
    Ok(())
}

fn enroll(ctx: &Context, args: CourseEnrollArgs) -> Result<()> {
    let currency = &ctx.config.community.currency;
    let paid = args
        .paid
        .as_deref()
        .map(|text| positive_amount(text, currency).context("--paid"))
        .transpose()?;
    let at = paid_at(ctx, args.at.as_deref(), "--at")?;
    let reference = clean(args.reference);
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let course = load(&tx, &args.course)?;
    if course.fields.status != CourseStatus::Open && !args.force {
        bail!(
            "course {} is {}: it takes no new students\nhint: pass --force to enroll anyway, or `community course edit {} --status open`",
            course.fields.slug,
            course.fields.status,
            course.fields.slug
        );
    }
    let member_id = ledger::resolve_member(&tx, &args.member)?;
    if let Some(seat) = courses::enrollment(&tx, course.id, member_id)? {
        bail!(
            "member {member_id} is already enrolled in {} (since {})",
            course.fields.slug,
            seat.enrolled_on
        );
    }
    if let Some(reference) = &reference {
        ledger::refuse_known_reference(&tx, reference, "--reference")?;
    }
    let seat = Seat {
        course_id: course.id,
        member_id,
        paid,
        at,
        reference,
        note: clean(args.note),
    };
    let payment = seat.write(ctx, &tx, &ctx.now())?;
    tx.commit()?;
    match (payment, paid) {
        (Some(id), Some(amount)) => ctx.note(format!(
            "enrolled member {member_id} in {}; recorded payment {id}: course {}",
            course.fields.slug,
            amount.display(currency)
        )),
        _ => ctx.note(format!(
            "enrolled member {member_id} in {} (free seat)",
            course.fields.slug
        )),
    }
    Ok(())
}

fn unenroll(ctx: &Context, slug: &str, member: &str) -> Result<()> {
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let course = load(&tx, slug)?;
    let member_id = ledger::resolve_member(&tx, member)?;
    let seat = seat_of(&tx, &course, member_id)?;
    courses::unenroll(&tx, seat.id)?;
    tx.commit()?;
    ctx.note(format!(
        "unenrolled member {member_id} from {}",
        course.fields.slug
    ));
    if let Some(id) = seat.payment_id {
        ctx.note(format!(
            "payment {id} stays in the ledger\nhint: `community revenue refund {id}` if the money went back"
        ));
    }
    Ok(())
}

fn students(ctx: &Context, slug: &str) -> Result<()> {
    let conn = ctx.read_db()?;
    let currency = &ctx.config.community.currency;
    let course = load(&conn, slug)?;
    let mut out = ctx.renderer::<StudentRow>()?;
    for student in courses::students(&conn, course.id)? {
        out.write(&StudentRow::new(&student, currency))?;
    }
    out.finish()
}

fn complete(ctx: &Context, slug: &str, member: &str, on: Option<&str>) -> Result<()> {
    let on = match on {
        Some(text) => {
            crate::dates::parse_date(text, ctx.today).with_context(|| format!("--on {text:?}"))?
        }
        None => ctx.today,
    };
    let mut conn = ctx.write_db()?;
    let tx = conn.transaction()?;
    let course = load(&tx, slug)?;
    let member_id = ledger::resolve_member(&tx, member)?;
    let seat = seat_of(&tx, &course, member_id)?;
    if on < seat.enrolled_on {
        bail!(
            "--on {on}: before member {member_id} enrolled in {} ({})",
            course.fields.slug,
            seat.enrolled_on
        );
    }
    courses::complete(&tx, seat.id, on)?;
    tx.commit()?;
    ctx.note(format!(
        "member {member_id} completed {} on {on}",
        course.fields.slug
    ));
    Ok(())
}

/// Columns `course import` reads.
const IMPORT_COLUMNS: &[&str] = &["slug", "member", "paid", "at", "reference", "note"];

fn import(ctx: &Context, args: &CourseImportArgs) -> Result<()> {
    let encoding = args.encoding.as_deref().map(reader::encoding).transpose()?;
    let mut rows = Rows::open(&args.file, None, encoding)?;
    let mut columns = Columns::of(&rows, &["slug", "member"], IMPORT_COLUMNS)?;
    let mut conn = ctx.write_db()?;
    payments::prepare_bulk(&conn)?;
    let tx = conn.transaction()?;
    let load = rollups::start_payment_load(&tx)?;
    let now = ctx.now();
    let mut cache = Lookups::default();
    let (mut added, mut paid, mut unchanged) = (0u64, 0u64, 0u64);
    let mut errors = RowErrors::default();
    while let Some(row) = rows.next_row()? {
        columns.follow(rows.headers());
        let seat = row
            .map_err(|shape| RowProblem::Row(shape.into()))
            .and_then(|row| import_row(ctx, &tx, &row, &columns, &mut cache, args.force));
        match seat {
            Ok(None) => unchanged += 1,
            Ok(Some(seat)) => {
                paid += u64::from(seat.paid.is_some());
                added += 1;
                if errors.is_empty() {
                    seat.write(ctx, &tx, &now)?;
                }
            }
            Err(RowProblem::Row(err)) => errors.push(err),
            Err(RowProblem::Other(err)) => return Err(err),
        }
    }
    errors.fail(rows.name())?;
    load.finish(&tx)?;
    ledger::finish(ctx, tx, args.dry_run)?;
    let verb = if args.dry_run {
        "would enroll"
    } else {
        "enrolled"
    };
    ctx.note(format!(
        "{}: {verb} {added} student(s) ({paid} paid); {unchanged} already there left unchanged",
        rows.name()
    ));
    Ok(())
}

/// A row of an enrollment import as a seat to write, or `None` when it is already there
/// (its reference is in the ledger, or the member is enrolled).
fn import_row(
    ctx: &Context,
    tx: &Transaction<'_>,
    row: &RawRow,
    columns: &Columns,
    cache: &mut Lookups,
    force: bool,
) -> Result<Option<Seat>, RowProblem> {
    let currency = &ctx.config.community.currency;
    let reference = row.get(columns, "reference").map(str::to_string);
    if let Some(reference) = &reference
        && payments::by_reference(tx, reference)?.is_some()
    {
        return Ok(None);
    }
    let slug = row
        .get(columns, "slug")
        .ok_or_else(|| row.error(columns, "slug", "missing slug"))?;
    let (course_id, status) = cache
        .course(tx, slug)?
        .map_err(|e| row.error(columns, "slug", e))?;
    if status != CourseStatus::Open && !force {
        let reason = format!(
            "course {slug:?} is {status}: it takes no new students (pass --force to import anyway)"
        );
        return Err(row.error(columns, "slug", reason).into());
    }
    let member = row
        .get(columns, "member")
        .ok_or_else(|| row.error(columns, "member", "missing member"))?;
    let member_id = cache
        .member(tx, member)
        .map_err(|e| row.error(columns, "member", e))?;
    if courses::enrollment(tx, course_id, member_id)?.is_some() {
        return Ok(None);
    }
    let paid = match row.get(columns, "paid") {
        None => None,
        Some(text) => {
            let amount = Money::parse(text, currency).map_err(|e| row.error(columns, "paid", e))?;
            Some(amount).filter(|a| a.is_positive())
        }
    };
    if paid.is_none() && reference.is_some() {
        return Err(row
            .error(
                columns,
                "reference",
                "a reference needs a paid amount: a free seat has no payment",
            )
            .into());
    }
    let at = match row.get(columns, "at") {
        Some(text) => paid_at(ctx, Some(text), "at")
            .map_err(|e| row.error(columns, "at", format!("{e:#}")))?,
        None => paid_at(ctx, None, "at")?,
    };
    Ok(Some(Seat {
        course_id,
        member_id,
        paid,
        at,
        reference,
        note: row.get(columns, "note").map(str::to_string),
    }))
}

/// A seat about to be written: the enrollment, and its course payment when one was made.
struct Seat {
    course_id: i64,
    member_id: i64,
    paid: Option<Money>,
    at: (DateTime<Utc>, NaiveDate),
    reference: Option<String>,
    note: Option<String>,
}

impl Seat {
    /// Writes the payment (if paid) and the enrollment linked to it; returns the payment id.
    fn write(self, ctx: &Context, tx: &Transaction<'_>, now: &str) -> Result<Option<i64>> {
        let (paid_at, paid_on) = self.at;
        let payment = match self.paid {
            Some(amount) => Some(payments::insert(
                tx,
                &NewPayment {
                    kind: Kind::Course,
                    amount,
                    currency: ctx.config.community.currency.clone(),
                    paid_at,
                    paid_on,
                    member_id: Some(self.member_id),
                    course_id: Some(self.course_id),
                    period: None,
                    reference: self.reference,
                    refund_of: None,
                    note: self.note,
                },
                now,
            )?),
            None => None,
        };
        courses::enroll(
            tx,
            self.course_id,
            self.member_id,
            paid_on,
            self.paid.unwrap_or(Money::ZERO),
            payment,
            now,
        )?;
        Ok(payment)
    }
}

fn load(conn: &Connection, slug: &str) -> Result<Course> {
    let slug = course::slug(slug)?;
    courses::by_slug(conn, &slug)?.ok_or_else(|| ledger::no_course(&slug))
}

fn seat_of(conn: &Connection, course: &Course, member_id: i64) -> Result<courses::Enrollment> {
    courses::enrollment(conn, course.id, member_id)?.ok_or_else(|| {
        anyhow!(
            "member {member_id} is not enrolled in {}\nhint: `community course students {}` lists who is",
            course.fields.slug,
            course.fields.slug
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_columns;

    #[test]
    fn row_columns_match_their_fields() {
        let c = Currency::default();
        let course = Course {
            id: 1,
            fields: CourseFields {
                slug: "rust-101".into(),
                title: "Rust 入门".into(),
                description: None,
                price: Money::from_minor(19900),
                status: CourseStatus::Open,
            },
            students: 2,
            completed: 1,
            revenue: Money::from_minor(19900),
            payments: 1,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let row = CourseRow::new(&course, &c);
        assert_eq!(row.completion_pct.as_deref(), Some("50.0"));
        assert_eq!(row.price, "199.00");
        assert_columns(&row);
        let student = Student {
            enrollment_id: 1,
            member_id: 1,
            name: "李雷".into(),
            email: None,
            phone: None,
            wechat: None,
            enrolled_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            price_paid: Money::ZERO,
            payment_id: None,
            reference: None,
            completed_on: None,
        };
        assert_columns(&StudentRow::new(&student, &c));
    }
}
