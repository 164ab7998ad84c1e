//! Courses and enrollments: every SQL statement that touches them.
//!
//! Reads take `&Connection`, writes `&Transaction`; rows come back as domain structs. A
//! course's revenue is read from the payments ledger (net of refunds), never stored twice.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::course::CourseStatus;
use crate::money::Money;

/// Everything a course is, as stored; what `add`, `edit` and imports write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseFields {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub price: Money,
    pub status: CourseStatus,
}

/// A stored course with its students and income.
#[derive(Debug, Clone)]
pub struct Course {
    pub id: i64,
    pub fields: CourseFields,
    pub students: i64,
    pub completed: i64,
    /// Net income linked to the course: its payments minus their refunds.
    pub revenue: Money,
    /// How many payments (refunds included) are linked to the course.
    pub payments: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One student of a course.
#[derive(Debug, Clone)]
pub struct Student {
    pub enrollment_id: i64,
    pub member_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub wechat: Option<String>,
    pub enrolled_on: NaiveDate,
    pub price_paid: Money,
    pub payment_id: Option<i64>,
    pub reference: Option<String>,
    pub completed_on: Option<NaiveDate>,
}

/// A member's seat in a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub id: i64,
    pub course_id: i64,
    pub member_id: i64,
    pub enrolled_on: NaiveDate,
    pub price_paid: Money,
    pub payment_id: Option<i64>,
    pub completed_on: Option<NaiveDate>,
}

/// A course with its figures; the revenue and payment count come from `rollup_courses`, kept
/// by triggers (migration 5), instead of summing a popular course's hundreds of thousands of
/// payments on every listing.
pub(crate) const SELECT: &str = "SELECT c.id, c.slug, c.title, c.description, c.price, c.status, \
     c.created_at, c.updated_at, \
     (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id), \
     (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id AND e.completed_on IS NOT NULL), \
     coalesce((SELECT amount FROM rollup_courses r WHERE r.course_id = c.id), 0), \
     coalesce((SELECT payments FROM rollup_courses r WHERE r.course_id = c.id), 0) \
     FROM courses c";

/// [`SELECT`] with the payment figures summed from the ledger, for tests.
#[cfg(test)]
pub(crate) const SELECT_SCAN: &str = "SELECT c.id, c.slug, c.title, c.description, c.price, \
     c.status, c.created_at, c.updated_at, \
     (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id), \
     (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id AND e.completed_on IS NOT NULL), \
     (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.course_id = c.id), \
     (SELECT count(*) FROM payments p WHERE p.course_id = c.id) \
     FROM courses c";

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Course> {
    Ok(Course {
        id: row.get(0)?,
        fields: CourseFields {
            slug: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            price: row.get(4)?,
            status: row.get(5)?,
        },
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        students: row.get(8)?,
        completed: row.get(9)?,
        revenue: row.get(10)?,
        payments: row.get(11)?,
    })
}

/// The course with this slug (slugs are stored lower-case).
pub fn by_slug(conn: &Connection, slug: &str) -> rusqlite::Result<Option<Course>> {
    conn.prepare_cached(&format!("{SELECT} WHERE c.slug = ?1"))?
        .query_row([slug], from_row)
        .optional()
}

/// The id of the course with this slug, without its figures (for imports, row after row).
pub fn id_of(conn: &Connection, slug: &str) -> rusqlite::Result<Option<(i64, CourseStatus)>> {
    conn.prepare_cached("SELECT id, status FROM courses WHERE slug = ?1")?
        .query_row([slug], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Every course, optionally of one status, by slug.
pub fn list(conn: &Connection, status: Option<CourseStatus>) -> rusqlite::Result<Vec<Course>> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE ?1 IS NULL OR c.status = ?1 ORDER BY c.slug"
    ))?
    .query_map([status], from_row)?
    .collect()
}

/// Inserts a course and returns its id.
pub fn insert(tx: &Transaction<'_>, fields: &CourseFields, now: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO courses (slug, title, description, price, status, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        fields.slug,
        fields.title,
        fields.description,
        fields.price,
        fields.status,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Overwrites every field of a course and stamps updated_at.
pub fn update(
    tx: &Transaction<'_>,
    id: i64,
    fields: &CourseFields,
    now: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE courses SET slug = ?2, title = ?3, description = ?4, price = ?5, status = ?6, \
         updated_at = ?7 WHERE id = ?1",
    )?
    .execute(params![
        id,
        fields.slug,
        fields.title,
        fields.description,
        fields.price,
        fields.status,
        now
    ])?;
    Ok(())
}

/// Removes a course and its enrollments; its payments stay, unlinked.
pub fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM courses WHERE id = ?1", [id])? > 0)
}

/// A member's enrollment in a course, if any.
pub fn enrollment(
    conn: &Connection,
    course_id: i64,
    member_id: i64,
) -> rusqlite::Result<Option<Enrollment>> {
    conn.prepare_cached(
        "SELECT id, course_id, member_id, enrolled_on, price_paid, payment_id, completed_on \
         FROM enrollments WHERE course_id = ?1 AND member_id = ?2",
    )?
    .query_row([course_id, member_id], |r| {
        Ok(Enrollment {
            id: r.get(0)?,
            course_id: r.get(1)?,
            member_id: r.get(2)?,
            enrolled_on: r.get(3)?,
            price_paid: r.get(4)?,
            payment_id: r.get(5)?,
            completed_on: r.get(6)?,
        })
    })
    .optional()
}

/// Seats a member in a course and returns the enrollment id. The caller checks that they are
/// not enrolled yet; the UNIQUE constraint is the backstop.
pub fn enroll(
    tx: &Transaction<'_>,
    course_id: i64,
    member_id: i64,
    on: NaiveDate,
    price_paid: Money,
    payment_id: Option<i64>,
    now: &str,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO enrollments (course_id, member_id, enrolled_on, price_paid, payment_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![course_id, member_id, on, price_paid, payment_id, now])?;
    Ok(tx.last_insert_rowid())
}

/// Removes a seat; any payment for it stays in the ledger.
pub fn unenroll(tx: &Transaction<'_>, enrollment_id: i64) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM enrollments WHERE id = ?1", [enrollment_id])? > 0)
}

/// Marks a seat completed on a date.
pub fn complete(tx: &Transaction<'_>, enrollment_id: i64, on: NaiveDate) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE enrollments SET completed_on = ?2 WHERE id = ?1")?
        .execute(params![enrollment_id, on])?;
    Ok(())
}

/// The students of a course, in the order they enrolled.
pub fn students(conn: &Connection, course_id: i64) -> rusqlite::Result<Vec<Student>> {
    conn.prepare_cached(
        "SELECT e.id, m.id, m.name, m.email, m.phone, m.wechat, e.enrolled_on, e.price_paid, \
         e.payment_id, p.reference, e.completed_on \
         FROM enrollments e JOIN members m ON m.id = e.member_id \
         LEFT JOIN payments p ON p.id = e.payment_id \
         WHERE e.course_id = ?1 ORDER BY e.enrolled_on, e.id",
    )?
    .query_map([course_id], |r| {
        Ok(Student {
            enrollment_id: r.get(0)?,
            member_id: r.get(1)?,
            name: r.get(2)?,
            email: r.get(3)?,
            phone: r.get(4)?,
            wechat: r.get(5)?,
            enrolled_on: r.get(6)?,
            price_paid: r.get(7)?,
            payment_id: r.get(8)?,
            reference: r.get(9)?,
            completed_on: r.get(10)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    fn fields(slug: &str) -> CourseFields {
        CourseFields {
            slug: slug.into(),
            title: "Rust 入门".into(),
            description: None,
            price: Money::from_minor(19900),
            status: CourseStatus::Open,
        }
    }

    #[test]
    fn a_course_round_trips_and_counts_its_students() {
        let mut conn = db::memory();
        let tx = conn.transaction().unwrap();
        let id = insert(&tx, &fields("rust-101"), "now").unwrap();
        tx.execute(
            "INSERT INTO members (name, email, tier, status, joined_at, created_at, updated_at) \
             VALUES ('A', 'a@example.com', 'free', 'active', '2026-01-01', 'now', 'now')",
            [],
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let seat = enroll(&tx, id, 1, day, Money::ZERO, None, "now").unwrap();
        complete(&tx, seat, day).unwrap();
        assert!(enroll(&tx, id, 1, day, Money::ZERO, None, "now").is_err());
        tx.commit().unwrap();
        let course = by_slug(&conn, "rust-101").unwrap().unwrap();
        assert_eq!(course.fields, fields("rust-101"));
        assert_eq!((course.students, course.completed), (1, 1));
        assert_eq!(list(&conn, Some(CourseStatus::Closed)).unwrap().len(), 0);
        assert_eq!(students(&conn, id).unwrap()[0].completed_on, Some(day));
    }
}
