//! Demo content for `eas-server demo`: a month of realistic mail, a calendar, contacts,
//! tasks and notes for one account, as the texts the store keeps (RFC 5322 with CRLF,
//! iCalendar, vCard 3.0).
//!
//! Everything here is a pure function of its arguments: all dates are relative to `now`, so
//! a demo started any day looks current, and the same `now` gives the same bytes (tests and
//! reseeding rely on that). The content exercises what clients trip over: HTML with a text
//! alternative, attachments, RFC 2047 subjects over an ISO-8859-1 body, a reply thread, a
//! meeting invitation, recurrence with a deleted and a moved occurrence, all-day and
//! foreign-zone events, reminders, and non-ASCII names.

use base64::Engine as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// One account's demo content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMailbox {
    /// Messages, each for the folder of its type.
    pub mail: Vec<DemoMail>,
    /// Calendar items: VCALENDAR texts, one VEVENT (plus its overrides) each.
    pub events: Vec<String>,
    /// Contacts: vCard 3.0 texts.
    pub contacts: Vec<String>,
    /// Tasks: VCALENDAR texts with one VTODO each.
    pub tasks: Vec<String>,
    /// Notes: VCALENDAR texts with one VJOURNAL each.
    pub notes: Vec<String>,
}

/// One demo message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMail {
    /// The folder type it belongs in (MS-ASCMD FolderHierarchy `Type`): 2 Inbox, 3 Drafts,
    /// 5 Sent Items.
    pub folder_type: u8,
    /// The message, RFC 5322 with CRLF line ends.
    pub raw: Vec<u8>,
    /// Whether it is marked read.
    pub seen: bool,
    /// Whether it is flagged for follow-up.
    pub flagged: bool,
}

/// Folder type of the Inbox.
const INBOX: u8 = 2;
/// Folder type of Drafts.
const DRAFTS: u8 = 3;
/// Folder type of Sent Items.
const SENT: u8 = 5;

const PRODID: &str = "-//eas-server//demo data//EN";

/// A valid 1×1 transparent PNG: small, and any image viewer opens it.
const PNG_1X1: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The demo content for `owner` (an address, shown as `display_name`), whose correspondent
/// is `peer` (the other demo account), dated relative to `now`.
pub fn demo_mailbox(
    owner: &str,
    display_name: &str,
    peer: &str,
    now: DateTime<Utc>,
) -> DemoMailbox {
    let ctx = Ctx::new(owner, display_name, peer, now);
    DemoMailbox {
        mail: ctx.mail(),
        events: ctx.events(),
        contacts: ctx.contacts(),
        tasks: ctx.tasks(),
        notes: ctx.notes(),
    }
}

/// The names and times every item is built from.
struct Ctx<'a> {
    owner: &'a str,
    owner_name: &'a str,
    peer: &'a str,
    peer_name: String,
    /// The owner's domain, for Message-IDs, UIDs and made-up colleagues.
    domain: &'a str,
    /// The owner's local part, so the two demo accounts' ids differ.
    local: &'a str,
    now: DateTime<Utc>,
    today: NaiveDate,
}

impl<'a> Ctx<'a> {
    fn new(owner: &'a str, owner_name: &'a str, peer: &'a str, now: DateTime<Utc>) -> Self {
        let (local, domain) = owner.rsplit_once('@').unwrap_or((owner, "localhost"));
        Ctx {
            owner,
            owner_name,
            peer,
            peer_name: name_from_address(peer),
            domain,
            local,
            now,
            today: now.date_naive(),
        }
    }

    /// `days` from today (negative: in the past) at `hour`:`minute` UTC.
    fn at(&self, days: i64, hour: i64, minute: i64) -> DateTime<Utc> {
        Utc.from_utc_datetime(&self.today.and_time(NaiveTime::MIN))
            + Duration::days(days)
            + Duration::hours(hour)
            + Duration::minutes(minute)
    }

    fn day(&self, days: i64) -> NaiveDate {
        self.today + Duration::days(days)
    }

    fn msgid(&self, tag: &str) -> String {
        format!("<demo-{tag}.{}@{}>", self.local, self.domain)
    }

    fn uid(&self, tag: &str) -> String {
        format!("demo-{tag}-{}@{}", self.local, self.domain)
    }

    fn owner_mailbox(&self) -> String {
        mailbox(self.owner_name, self.owner)
    }

    fn peer_mailbox(&self) -> String {
        mailbox(&self.peer_name, self.peer)
    }

    fn colleague(&self, local: &str) -> String {
        format!("{local}@{}", self.domain)
    }

    // ---- Mail ----

    fn mail(&self) -> Vec<DemoMail> {
        let mut mail = vec![
            self.welcome(),
            self.newsletter(),
            self.report_with_pdf(),
            self.photo_with_png(),
            self.latin1_mail(),
        ];
        mail.extend(self.thread());
        mail.push(self.invitation());
        mail.push(self.action_required());
        mail.push(self.sent_lunch());
        mail.push(self.draft());
        mail
    }

    /// Common headers; `extra` (already CRLF-free lines) goes after `Message-ID`.
    fn headers(
        &self,
        from: &str,
        to: &str,
        subject: &str,
        date: DateTime<Utc>,
        id: &str,
        extra: &[String],
    ) -> String {
        let mut h = format!(
            "From: {from}\nTo: {to}\nSubject: {subject}\nDate: {}\nMessage-ID: {}\n",
            date.to_rfc2822(),
            self.msgid(id)
        );
        for line in extra {
            h.push_str(line);
            h.push('\n');
        }
        h.push_str("MIME-Version: 1.0\n");
        h
    }

    fn welcome(&self) -> DemoMail {
        let from = mailbox("Demo Server", &self.colleague("postmaster"));
        let text = format!(
            "{}Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n\
             Hello {},\n\nWelcome to the ActiveSync demo server. This mailbox was filled with a\n\
             month of sample mail, a calendar, contacts, tasks and notes, so you can try\n\
             your phone's sync right away.\n\nMail sent to {} is delivered here within seconds\n\
             and pushed to the phone.\n\n-- \nThe demo server\n",
            self.headers(
                &from,
                &self.owner_mailbox(),
                "Welcome to your ActiveSync demo mailbox",
                self.at(-29, 8, 0),
                "welcome",
                &[]
            ),
            self.owner_name,
            self.owner,
        );
        inbox(crlf(&text), true, false)
    }

    fn newsletter(&self) -> DemoMail {
        let from = mailbox("Company News", &self.colleague("news"));
        let boundary = "demo-alt-1";
        let text = format!(
            "{}Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n\
             --{boundary}\nContent-Type: text/plain; charset=utf-8\n\n\
             COMPANY NEWS, this month\n\n* The new office opens on the 1st.\n\
             * Cafeteria menu: now with vegetarian options every day.\n\
             * Reminder: submit your travel expenses by Friday.\n\n\
             --{boundary}\nContent-Type: text/html; charset=utf-8\n\n\
             <html><body><h1>Company News</h1><p>This month:</p><ul>\
             <li>The <b>new office</b> opens on the 1st.</li>\
             <li>Cafeteria menu: now with vegetarian options every day.</li>\
             <li>Reminder: submit your <i>travel expenses</i> by Friday.</li></ul>\
             <p style=\"color:#666\">You receive this as a member of staff.</p></body></html>\n\
             --{boundary}--\n",
            self.headers(
                &from,
                &self.owner_mailbox(),
                "Company News: the new office, cafeteria, expenses",
                self.at(-26, 7, 30),
                "newsletter",
                &[]
            ),
        );
        inbox(crlf(&text), true, false)
    }

    fn report_with_pdf(&self) -> DemoMail {
        let boundary = "demo-mixed-pdf";
        let pdf = base64_lines(&pdf_bytes("Quarterly report"));
        let text = format!(
            "{}Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n\
             --{boundary}\nContent-Type: text/plain; charset=utf-8\n\n\
             Hi {},\n\nattached is the quarterly report, with the numbers we discussed.\n\
             Comments welcome before Thursday.\n\n{}\n\n\
             --{boundary}\nContent-Type: application/pdf; name=\"quarterly-report.pdf\"\n\
             Content-Transfer-Encoding: base64\n\
             Content-Disposition: attachment; filename=\"quarterly-report.pdf\"\n\n\
             {pdf}--{boundary}--\n",
            self.headers(
                &self.peer_mailbox(),
                &self.owner_mailbox(),
                "Quarterly report",
                self.at(-21, 14, 5),
                "report",
                &[]
            ),
            first_name(self.owner_name),
            self.peer_name,
        );
        inbox(crlf(&text), true, false)
    }

    fn photo_with_png(&self) -> DemoMail {
        let boundary = "demo-mixed-png";
        let png = base64_lines(&PNG_1X1);
        let from = mailbox("Carol Jensen", &self.colleague("carol.jensen"));
        let text = format!(
            "{}Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n\
             --{boundary}\nContent-Type: text/plain; charset=utf-8\n\n\
             Here is the new team logo, as promised. Small, but it is a start!\n\nCarol\n\n\
             --{boundary}\nContent-Type: image/png; name=\"team-logo.png\"\n\
             Content-Transfer-Encoding: base64\n\
             Content-Disposition: attachment; filename=\"team-logo.png\"\n\n\
             {png}--{boundary}--\n",
            self.headers(
                &from,
                &self.owner_mailbox(),
                "New team logo",
                self.at(-17, 10, 42),
                "logo",
                &[]
            ),
        );
        inbox(crlf(&text), true, false)
    }

    /// RFC 2047 subject ("Réunion d'équipe à Zürich") over an ISO-8859-1 8-bit body.
    fn latin1_mail(&self) -> DemoMail {
        let headers = format!(
            "From: =?ISO-8859-1?Q?Ren=E9e_Dubois?= <{}>\nTo: {}\n\
             Subject: =?ISO-8859-1?Q?R=E9union_d'=E9quipe_=E0_Z=FCrich?=\nDate: {}\n\
             Message-ID: {}\nMIME-Version: 1.0\n\
             Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\n",
            self.colleague("renee.dubois"),
            self.owner_mailbox(),
            self.at(-12, 16, 20).to_rfc2822(),
            self.msgid("zurich"),
        );
        let body = format!(
            "Bonjour {},\n\nla réunion d'équipe aura lieu à Zürich, au café « Grüner Hof ».\n\
             Prévoyez un déjeuner léger ; le café est offert.\n\nÀ bientôt,\nRenée\n",
            first_name(self.owner_name),
        );
        let mut raw = crlf(&headers);
        raw.extend(latin1(&crlf_string(&body)));
        inbox(raw, false, false)
    }

    /// An original from the peer, the owner's reply (Sent Items) and two more replies.
    fn thread(&self) -> Vec<DemoMail> {
        let subject = "Project Falcon kickoff";
        let carol = mailbox("Carol Jensen", &self.colleague("carol.jensen"));
        let steps: [(&str, String, String, &str, i64, &str); 4] = [
            (
                "kickoff-1",
                self.peer_mailbox(),
                self.owner_mailbox(),
                "",
                -9,
                "Hi all,\n\nlet's kick off Project Falcon. Goals for the first two weeks:\n\
                 a prototype of the sync path and a plan for the rollout.\n\
                 Can everyone send me their availability?\n",
            ),
            (
                "kickoff-2",
                self.owner_mailbox(),
                format!("{}, {carol}", self.peer_mailbox()),
                "Re: ",
                -8,
                "Sounds good. I am free Tuesday and Thursday afternoons.\n",
            ),
            (
                "kickoff-3",
                carol.clone(),
                format!("{}, {}", self.peer_mailbox(), self.owner_mailbox()),
                "Re: ",
                -8,
                "Thursday works for me too. I'll bring the rollout draft.\n",
            ),
            (
                "kickoff-4",
                self.peer_mailbox(),
                format!("{}, {carol}", self.owner_mailbox()),
                "Re: ",
                -7,
                "Thursday it is, 14:00. I've sent the invitation.\n",
            ),
        ];
        let mut previous: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (i, (id, from, to, prefix, day, body)) in steps.into_iter().enumerate() {
            let mut extra = Vec::new();
            if let Some(parent) = previous.last() {
                extra.push(format!("In-Reply-To: {parent}"));
                extra.push(format!("References: {}", previous.join(" ")));
            }
            let hour = 9 + i64::try_from(i).unwrap_or(0) * 2;
            let text = format!(
                "{}Content-Type: text/plain; charset=utf-8\n\n{body}",
                self.headers(
                    &from,
                    &to,
                    &format!("{prefix}{subject}"),
                    self.at(day, hour, 15),
                    id,
                    &extra
                ),
            );
            let from_owner = from == self.owner_mailbox();
            out.push(DemoMail {
                folder_type: if from_owner { SENT } else { INBOX },
                raw: crlf(&text),
                seen: from_owner || i < 3,
                flagged: false,
            });
            previous.push(self.msgid(id));
        }
        out
    }

    /// A meeting request from the peer (text/calendar; method=REQUEST).
    fn invitation(&self) -> DemoMail {
        let boundary = "demo-alt-invite";
        let start = self.at(4, 15, 0);
        let ics = fold_lines(&format!(
            "BEGIN:VCALENDAR\nPRODID:{PRODID}\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\n\
             UID:{}\nDTSTAMP:{}\nDTSTART:{}\nDTEND:{}\nSUMMARY:Budget review\n\
             LOCATION:Room 4.12\nDESCRIPTION:Let's go through next year's budget.\n\
             ORGANIZER;CN=\"{}\":mailto:{}\n\
             ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}\n\
             ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{}\n\
             SEQUENCE:0\nSTATUS:CONFIRMED\nTRANSP:OPAQUE\nEND:VEVENT\nEND:VCALENDAR\n",
            self.uid("budget-review"),
            ical_utc(self.at(-2, 11, 0)),
            ical_utc(start),
            ical_utc(start + Duration::hours(1)),
            self.peer_name,
            self.peer,
            self.owner_name,
            self.owner,
            self.peer_name,
            self.peer,
        ));
        let text = format!(
            "{}Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n\
             --{boundary}\nContent-Type: text/plain; charset=utf-8\n\n\
             Budget review\nWhen: {}\nWhere: Room 4.12\n\n\
             Let's go through next year's budget.\n\n\
             --{boundary}\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\n\n\
             {ics}--{boundary}--\n",
            self.headers(
                &self.peer_mailbox(),
                &self.owner_mailbox(),
                "Invitation: Budget review",
                self.at(-2, 11, 0),
                "invite",
                &[]
            ),
            start.format("%A %e %B %Y, %H:%M UTC"),
        );
        inbox(crlf(&text), false, false)
    }

    fn action_required(&self) -> DemoMail {
        let from = mailbox("Finance", &self.colleague("finance"));
        let text = format!(
            "{}Content-Type: text/plain; charset=utf-8\n\n\
             Hello,\n\nyour expense report for last month is still missing two receipts.\n\
             Please upload them by the end of the week.\n\nThank you,\nFinance\n",
            self.headers(
                &from,
                &self.owner_mailbox(),
                "Action required: expense report",
                self.at(-1, 9, 5),
                "expenses",
                &["Importance: high".to_owned()]
            ),
        );
        inbox(crlf(&text), false, true)
    }

    fn sent_lunch(&self) -> DemoMail {
        let text = format!(
            "{}Content-Type: text/plain; charset=utf-8\n\n\
             Lunch on Friday? The new place on the corner has a terrace.\n\n{}\n",
            self.headers(
                &self.owner_mailbox(),
                &self.peer_mailbox(),
                "Lunch on Friday?",
                self.at(-3, 11, 30),
                "lunch",
                &[]
            ),
            first_name(self.owner_name),
        );
        DemoMail {
            folder_type: SENT,
            raw: crlf(&text),
            seen: true,
            flagged: false,
        }
    }

    fn draft(&self) -> DemoMail {
        let text = format!(
            "{}Content-Type: text/plain; charset=utf-8\n\n\
             Notes for the retrospective:\n- what went well\n- what to change\n",
            self.headers(
                &self.owner_mailbox(),
                &self.peer_mailbox(),
                "Retrospective notes (draft)",
                self.now,
                "draft",
                &[]
            ),
        );
        DemoMail {
            folder_type: DRAFTS,
            raw: crlf(&text),
            seen: true,
            flagged: false,
        }
    }

    // ---- Calendar ----

    fn events(&self) -> Vec<String> {
        vec![
            self.event_tomorrow(),
            self.event_weekly(),
            self.event_all_day(),
            self.event_new_york(),
            self.event_with_attendees(),
        ]
    }

    fn event_tomorrow(&self) -> String {
        let start = self.at(1, 10, 0);
        vcalendar(&format!(
            "BEGIN:VEVENT\nUID:{}\nDTSTAMP:{}\nDTSTART:{}\nDTEND:{}\n\
             SUMMARY:Design review\nLOCATION:Meeting room Aurora\n\
             DESCRIPTION:Walk through the new sync screens.\\nBring your phone.\n\
             END:VEVENT\n",
            self.uid("design-review"),
            ical_utc(self.at(-1, 9, 0)),
            ical_utc(start),
            ical_utc(start + Duration::hours(1)),
        ))
    }

    /// Weekly on Tuesdays, twelve times from about three weeks ago; the second occurrence
    /// is deleted and the third moved two hours later.
    fn event_weekly(&self) -> String {
        // The Tuesday on or before the day three weeks ago, so it is never a weekend.
        let since_tuesday = (self.day(-21).weekday().num_days_from_monday() + 6) % 7;
        let start = self.at(-21 - i64::from(since_tuesday), 9, 0);
        let deleted = start + Duration::weeks(1);
        let moved = start + Duration::weeks(2);
        let uid = self.uid("weekly-sync");
        vcalendar(&format!(
            "BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:{}\nDTSTART:{}\nDTEND:{}\n\
             RRULE:FREQ=WEEKLY;COUNT=12;BYDAY={}\nEXDATE:{}\n\
             SUMMARY:Weekly team sync\nLOCATION:Video call\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:{}\nRECURRENCE-ID:{}\nDTSTART:{}\nDTEND:{}\n\
             SUMMARY:Weekly team sync (moved)\nLOCATION:Video call\nEND:VEVENT\n",
            ical_utc(start - Duration::days(1)),
            ical_utc(start),
            ical_utc(start + Duration::minutes(30)),
            weekday_code(start.weekday()),
            ical_utc(deleted),
            ical_utc(start - Duration::days(1)),
            ical_utc(moved),
            ical_utc(moved + Duration::hours(2)),
            ical_utc(moved + Duration::hours(2) + Duration::minutes(30)),
        ))
    }

    fn event_all_day(&self) -> String {
        vcalendar(&format!(
            "BEGIN:VEVENT\nUID:{}\nDTSTAMP:{}\nDTSTART;VALUE=DATE:{}\nDTEND;VALUE=DATE:{}\n\
             SUMMARY:Team offsite\nLOCATION:Lakeside lodge\nTRANSP:TRANSPARENT\nEND:VEVENT\n",
            self.uid("offsite"),
            ical_utc(self.at(-5, 12, 0)),
            ical_date(self.day(5)),
            ical_date(self.day(6)),
        ))
    }

    /// 14:00 New York time, with the zone's VTIMEZONE.
    fn event_new_york(&self) -> String {
        let day = ical_date(self.day(3));
        let body = format!(
            "BEGIN:VTIMEZONE\nTZID:America/New_York\n\
             BEGIN:DAYLIGHT\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT\n\
             DTSTART:20070311T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\nEND:DAYLIGHT\n\
             BEGIN:STANDARD\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST\n\
             DTSTART:20071104T020000\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\nEND:STANDARD\n\
             END:VTIMEZONE\n\
             BEGIN:VEVENT\nUID:{}\nDTSTAMP:{}\n\
             DTSTART;TZID=America/New_York:{day}T140000\n\
             DTEND;TZID=America/New_York:{day}T150000\n\
             SUMMARY:Call with the New York office\nLOCATION:Phone bridge\nEND:VEVENT\n",
            self.uid("new-york"),
            ical_utc(self.at(-4, 15, 0)),
        );
        vcalendar(&body)
    }

    fn event_with_attendees(&self) -> String {
        let start = self.at(2, 13, 0);
        vcalendar(&format!(
            "BEGIN:VEVENT\nUID:{}\nDTSTAMP:{}\nDTSTART:{}\nDTEND:{}\n\
             SUMMARY:Quarterly planning\nLOCATION:Board room\n\
             ORGANIZER;CN=\"{}\":mailto:{}\n\
             ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{}\n\
             ATTENDEE;CN=\"Carol Jensen\";ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:{}\n\
             BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Quarterly planning\nTRIGGER:-PT15M\n\
             END:VALARM\nEND:VEVENT\n",
            self.uid("quarterly-planning"),
            ical_utc(self.at(-6, 10, 0)),
            ical_utc(start),
            ical_utc(start + Duration::hours(2)),
            self.owner_name,
            self.owner,
            self.peer_name,
            self.peer,
            self.colleague("carol.jensen"),
        ))
    }

    // ---- Contacts ----

    fn contacts(&self) -> Vec<String> {
        let peer_first = first_name(&self.peer_name).to_owned();
        let peer_last = self
            .peer_name
            .split_once(' ')
            .map(|(_, l)| l.to_owned())
            .unwrap_or_default();
        let cards = [
            Card {
                uid: "peer",
                first: &peer_first,
                last: &peer_last,
                email: self.peer,
                company: "Example Corp",
                department: "Engineering",
                title: "Team lead",
                work_phone: "+1 555 0100",
                mobile: "+1 555 0101",
                street: "1 Main Street",
                city: "Springfield",
                region: "IL",
                postcode: "62701",
                country: "USA",
                birthday: "1984-03-17",
            },
            Card {
                uid: "carol",
                first: "Carol",
                last: "Jensen",
                email: &self.colleague("carol.jensen"),
                company: "Example Corp",
                department: "Design",
                title: "Product designer",
                work_phone: "+1 555 0110",
                mobile: "+1 555 0111",
                street: "1 Main Street",
                city: "Springfield",
                region: "IL",
                postcode: "62701",
                country: "USA",
                birthday: "1990-11-02",
            },
            Card {
                uid: "renee",
                first: "Ren\u{e9}e",
                last: "Dubois",
                email: &self.colleague("renee.dubois"),
                company: "Example Corp",
                department: "Operations",
                title: "Office manager",
                work_phone: "+41 44 555 01 20",
                mobile: "+41 79 555 01 21",
                street: "Bahnhofstrasse 1",
                city: "Z\u{fc}rich",
                region: "ZH",
                postcode: "8001",
                country: "Switzerland",
                birthday: "1979-06-30",
            },
            Card {
                uid: "sorensen",
                first: "S\u{f8}ren",
                last: "\u{c5}str\u{f6}m-\u{141}ukasiewicz",
                email: "soren@example.org",
                company: "Nordlys A/S",
                department: "Sales",
                title: "Account manager",
                work_phone: "+45 33 55 01 30",
                mobile: "+45 20 55 01 31",
                street: "Str\u{f8}get 12",
                city: "K\u{f8}benhavn",
                region: "",
                postcode: "1160",
                country: "Denmark",
                birthday: "1988-01-09",
            },
            Card {
                uid: "miguel",
                first: "Miguel",
                last: "Santos",
                email: "miguel.santos@example.net",
                company: "Santos Consulting",
                department: "",
                title: "Consultant",
                work_phone: "+351 21 555 0140",
                mobile: "+351 91 555 0141",
                street: "Rua Augusta 100",
                city: "Lisboa",
                region: "",
                postcode: "1100-053",
                country: "Portugal",
                birthday: "1975-12-24",
            },
            Card {
                uid: "aiko",
                first: "Aiko",
                last: "Tanaka",
                email: "aiko.tanaka@example.jp",
                company: "Example KK",
                department: "Research",
                title: "Researcher",
                work_phone: "+81 3 5550 0150",
                mobile: "+81 90 5550 0151",
                street: "1-1 Marunouchi",
                city: "Tokyo",
                region: "",
                postcode: "100-0005",
                country: "Japan",
                birthday: "1992-04-05",
            },
        ];
        cards.iter().map(|c| self.vcard(c)).collect()
    }

    fn vcard(&self, c: &Card<'_>) -> String {
        let mut lines = vec![
            "BEGIN:VCARD".to_owned(),
            "VERSION:3.0".to_owned(),
            format!("UID:{}", self.uid(&format!("contact-{}", c.uid))),
            format!("N:{};{};;;", vescape(c.last), vescape(c.first)),
            format!("FN:{}", vescape(&format!("{} {}", c.first, c.last))),
        ];
        if c.department.is_empty() {
            lines.push(format!("ORG:{}", vescape(c.company)));
        } else {
            lines.push(format!(
                "ORG:{};{}",
                vescape(c.company),
                vescape(c.department)
            ));
        }
        lines.push(format!("TITLE:{}", vescape(c.title)));
        lines.push(format!("EMAIL;TYPE=INTERNET,WORK:{}", c.email));
        lines.push(format!("TEL;TYPE=WORK,VOICE:{}", c.work_phone));
        lines.push(format!("TEL;TYPE=CELL:{}", c.mobile));
        lines.push(format!(
            "ADR;TYPE=WORK:;;{};{};{};{};{}",
            vescape(c.street),
            vescape(c.city),
            vescape(c.region),
            vescape(c.postcode),
            vescape(c.country)
        ));
        lines.push(format!("BDAY:{}", c.birthday));
        lines.push(format!("REV:{}", ical_utc(self.at(-30, 8, 0))));
        lines.push("END:VCARD".to_owned());
        fold_lines(&(lines.join("\n") + "\n"))
    }

    // ---- Tasks ----

    fn tasks(&self) -> Vec<String> {
        let stamp = ical_utc(self.at(-10, 8, 0));
        let todo = |uid: &str, body: String| {
            vcalendar(&format!(
                "BEGIN:VTODO\nUID:{}\nDTSTAMP:{stamp}\n{body}END:VTODO\n",
                self.uid(uid)
            ))
        };
        let monday =
            self.today - Duration::days(i64::from(self.today.weekday().num_days_from_monday()));
        let monday_at = Utc.from_utc_datetime(&monday.and_time(NaiveTime::MIN));
        vec![
            todo(
                "task-slides",
                format!(
                    "SUMMARY:Prepare the quarterly planning slides\n\
                     DESCRIPTION:Numbers from the quarterly report\\, one slide per team.\n\
                     DTSTART:{}\nDUE:{}\nSTATUS:NEEDS-ACTION\nPRIORITY:1\n",
                    ical_utc(self.at(-1, 9, 0)),
                    ical_utc(self.at(2, 12, 0)),
                ),
            ),
            todo(
                "task-expenses",
                format!(
                    "SUMMARY:Submit the expense report\nDUE:{}\nSTATUS:NEEDS-ACTION\n\
                     PRIORITY:5\n",
                    ical_utc(self.at(-2, 17, 0)),
                ),
            ),
            todo(
                "task-laptop",
                format!(
                    "SUMMARY:Set up the new laptop\nDUE:{}\nSTATUS:COMPLETED\n\
                     COMPLETED:{}\nPERCENT-COMPLETE:100\nPRIORITY:5\n",
                    ical_utc(self.at(-8, 17, 0)),
                    ical_utc(self.at(-9, 15, 30)),
                ),
            ),
            todo(
                "task-timesheet",
                format!(
                    "SUMMARY:Fill in the timesheet\nDTSTART:{}\nDUE:{}\n\
                     RRULE:FREQ=WEEKLY;BYDAY=MO\nSTATUS:NEEDS-ACTION\nPRIORITY:5\n",
                    ical_utc(monday_at + Duration::weeks(1) + Duration::hours(9)),
                    ical_utc(monday_at + Duration::weeks(1) + Duration::hours(17)),
                ),
            ),
        ]
    }

    // ---- Notes ----

    fn notes(&self) -> Vec<String> {
        let note = |uid: &str, days: i64, summary: &str, description: &str, category: &str| {
            vcalendar(&format!(
                "BEGIN:VJOURNAL\nUID:{}\nDTSTAMP:{}\nLAST-MODIFIED:{}\nSUMMARY:{summary}\n\
                 DESCRIPTION:{description}\nCATEGORIES:{category}\nEND:VJOURNAL\n",
                self.uid(uid),
                ical_utc(self.at(days, 8, 0)),
                ical_utc(self.at(days, 8, 0)),
            ))
        };
        vec![
            note(
                "note-wifi",
                -25,
                "Office Wi-Fi",
                "Network: Example-Guest\\nPassword is on the board by the kitchen.",
                "Office",
            ),
            note(
                "note-ideas",
                -6,
                "Ideas for Project Falcon",
                "- push instead of polling\\n- a demo mode with sample data\\n\
                 - measure battery use",
                "Work",
            ),
            note(
                "note-groceries",
                -1,
                "Groceries",
                "Coffee\\, milk\\, bread\\, apples",
                "Personal",
            ),
        ]
    }
}

/// A contact's fields (vCard 3.0).
struct Card<'a> {
    uid: &'a str,
    first: &'a str,
    last: &'a str,
    email: &'a str,
    company: &'a str,
    department: &'a str,
    title: &'a str,
    work_phone: &'a str,
    mobile: &'a str,
    street: &'a str,
    city: &'a str,
    region: &'a str,
    postcode: &'a str,
    country: &'a str,
    birthday: &'a str,
}

fn inbox(raw: Vec<u8>, seen: bool, flagged: bool) -> DemoMail {
    DemoMail {
        folder_type: INBOX,
        raw,
        seen,
        flagged,
    }
}

/// `"Name" <address>`; the demo names are ASCII in headers except where a test wants
/// RFC 2047, which is written out explicitly.
fn mailbox(name: &str, address: &str) -> String {
    if name.is_ascii() {
        format!("\"{name}\" <{address}>")
    } else {
        format!("{} <{address}>", rfc2047_utf8(name))
    }
}

/// An encoded-word (RFC 2047, base64) for a UTF-8 display name.
fn rfc2047_utf8(text: &str) -> String {
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

/// "alice.smith@x" → "Alice Smith": a display name for the peer, whose own is not passed.
fn name_from_address(address: &str) -> String {
    let local = address.split('@').next().unwrap_or(address);
    local
        .split(['.', '_', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_name(display_name: &str) -> &str {
    display_name.split(' ').next().unwrap_or(display_name)
}

/// LF text → CRLF bytes (the demo texts are written with `\n` only).
fn crlf(text: &str) -> Vec<u8> {
    crlf_string(text).into_bytes()
}

fn crlf_string(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// ISO-8859-1 bytes of a text whose characters are all below U+0100.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Base64 in 76-character lines, each ending in `\n`.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 + 1);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// A small one-page PDF showing `title`: enough structure that a viewer opens it.
fn pdf_bytes(title: &str) -> Vec<u8> {
    let stream = format!("BT /F1 24 Tf 72 720 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

/// A VCALENDAR around `components` (LF lines), folded and with CRLF line ends.
fn vcalendar(components: &str) -> String {
    fold_lines(&format!(
        "BEGIN:VCALENDAR\nPRODID:{PRODID}\nVERSION:2.0\nCALSCALE:GREGORIAN\n{components}END:VCALENDAR\n"
    ))
}

/// RFC 5545 3.1 / RFC 2425 5.8.1: lines of at most 75 octets, continued with a leading
/// space, CRLF line ends. Splits only at character boundaries.
fn fold_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 64);
    for line in text.lines() {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                out.push_str("\r\n ");
                width = 1;
            }
            out.push(c);
            width += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

/// vCard 3.0 text escaping (RFC 2426 5): backslash, comma, semicolon.
fn vescape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace(';', "\\;")
}

fn ical_utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn ical_date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn weekday_code(day: chrono::Weekday) -> &'static str {
    match day {
        chrono::Weekday::Mon => "MO",
        chrono::Weekday::Tue => "TU",
        chrono::Weekday::Wed => "WE",
        chrono::Weekday::Thu => "TH",
        chrono::Weekday::Fri => "FR",
        chrono::Weekday::Sat => "SA",
        chrono::Weekday::Sun => "SU",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use eas_codec::codec::{DecodeOptions, Decoder, Encoder, Value};
    use eas_codec::data::ApplicationData;
    use eas_codec::data::airsyncbase::BodyPreference;
    use eas_codec::{ProtocolVersion, tag};
    use eas_model::calendar::Appointment;
    use eas_model::contact::{ContactItem, PhoneKind};
    use eas_model::mail::{MailItem, MailState};
    use eas_model::note::NoteItem;
    use eas_model::task::TaskItem;

    const OWNER: &str = "alice@example.com";
    const PEER: &str = "bob.martin@example.com";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
    }

    fn demo() -> DemoMailbox {
        demo_mailbox(OWNER, "Alice Example", PEER, now())
    }

    /// What a Sync response carries: the item as ApplicationData, encoded for 16.1 and
    /// decoded back strictly (every element must exist in 16.1).
    fn encodes_for_16_1(item: ApplicationData) {
        let v = ProtocolVersion::V16_1;
        let mut e = Encoder::new(Vec::new(), v).unwrap();
        item.encode(&mut e, tag!(AirSync::ApplicationData)).unwrap();
        let doc = e.finish().unwrap();
        let (mut d, root) = Decoder::open(&doc, DecodeOptions::new(v)).unwrap();
        assert_eq!(ApplicationData::decode(&mut d, root).unwrap(), item);
        d.finish().unwrap();
    }

    fn parse_mail(mail: &DemoMail, i: usize) -> MailItem {
        let state = MailState {
            item_id: format!("2:{i}"),
            read: mail.seen,
            ..MailState::default()
        };
        MailItem::from_mime(&mail.raw, state).unwrap()
    }

    fn find<'a>(mails: &'a [(MailItem, &DemoMail)], subject: &str) -> &'a (MailItem, &'a DemoMail) {
        mails
            .iter()
            .find(|(m, _)| m.subject.as_deref() == Some(subject))
            .unwrap_or_else(|| panic!("no mail {subject:?}"))
    }

    #[test]
    fn every_mail_parses_and_encodes_for_16_1() {
        let d = demo();
        assert!((11..=14).contains(&d.mail.len()), "{}", d.mail.len());
        let html = [BodyPreference {
            body_type: 2,
            ..BodyPreference::default()
        }];
        for (i, mail) in d.mail.iter().enumerate() {
            assert!(
                !mail.raw.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
                "mail {i} has a bare LF"
            );
            let item = parse_mail(mail, i);
            assert!(item.subject.is_some(), "mail {i} has no subject");
            assert!(!item.from.is_empty(), "mail {i} has no sender");
            encodes_for_16_1(ApplicationData::from(
                item.to_wire(ProtocolVersion::V16_1, &html),
            ));
        }
        let in_folder = |t: u8| d.mail.iter().filter(|m| m.folder_type == t).count();
        assert_eq!(in_folder(SENT), 2);
        assert!(in_folder(INBOX) >= 9);
        assert!(d.mail.iter().any(|m| !m.seen) && d.mail.iter().any(|m| m.flagged));
    }

    #[test]
    fn mail_spans_the_last_30_days() {
        let d = demo();
        for (i, mail) in d.mail.iter().enumerate() {
            let sent = parse_mail(mail, i).date_sent.unwrap();
            assert!(
                sent <= now() && sent >= now() - Duration::days(30),
                "mail {i}: {sent}"
            );
        }
    }

    #[test]
    fn mail_content_covers_the_formats() {
        let d = demo();
        let mails: Vec<_> = d
            .mail
            .iter()
            .enumerate()
            .map(|(i, m)| (parse_mail(m, i), m))
            .collect();

        let (pdf, _) = find(&mails, "Quarterly report");
        assert_eq!(pdf.attachments.len(), 1);
        assert_eq!(pdf.attachments[0].display_name, "quarterly-report.pdf");
        assert_eq!(pdf.attachments[0].content_type, "application/pdf");
        assert!(pdf.attachment_content(0).unwrap().starts_with(b"%PDF-1.4"));

        let (png, _) = find(&mails, "New team logo");
        assert_eq!(png.attachments.len(), 1);
        assert_eq!(png.attachments[0].content_type, "image/png");
        assert_eq!(png.attachment_content(0).unwrap(), PNG_1X1);

        let (news, _) = find(&mails, "Company News: the new office, cafeteria, expenses");
        assert!(news.html.as_deref().unwrap().contains("<b>new office</b>"));
        assert!(news.plain.contains("COMPANY NEWS"));
        assert!(news.attachments.is_empty());

        let (latin, raw) = find(&mails, "R\u{e9}union d'\u{e9}quipe \u{e0} Z\u{fc}rich");
        assert!(
            latin
                .plain
                .contains("caf\u{e9} \u{ab} Gr\u{fc}ner Hof \u{bb}")
        );
        // The body really is ISO-8859-1 on the wire, not UTF-8.
        assert!(raw.raw.contains(&0xE9) && !String::from_utf8_lossy(&raw.raw).contains('\u{e9}'));

        let (invite, _) = find(&mails, "Invitation: Budget review");
        assert_eq!(invite.message_class, "IPM.Schedule.Meeting.Request");
        assert!(invite.meeting.is_some());

        let with_attachments = mails
            .iter()
            .filter(|(m, _)| !m.attachments.is_empty())
            .count();
        assert_eq!(with_attachments, 2);
    }

    #[test]
    fn the_thread_shares_one_conversation() {
        let d = demo();
        let thread: Vec<_> = d
            .mail
            .iter()
            .enumerate()
            .map(|(i, m)| (parse_mail(m, i), m))
            .filter(|(m, _)| m.thread_topic.as_deref() == Some("Project Falcon kickoff"))
            .collect();
        assert_eq!(thread.len(), 4, "the original and 3 replies");
        assert!(
            thread
                .iter()
                .all(|(m, _)| m.conversation_id == thread[0].0.conversation_id)
        );
        let replies = thread
            .iter()
            .filter(|(m, _)| m.subject.as_deref() == Some("Re: Project Falcon kickoff"))
            .count();
        assert_eq!(replies, 3);
        let sent = thread.iter().filter(|(_, m)| m.folder_type == SENT).count();
        assert_eq!(sent, 1, "the owner's reply is in Sent Items");
        let last = String::from_utf8(thread[3].1.raw.clone()).unwrap();
        assert!(last.contains("In-Reply-To: <demo-kickoff-3.alice@example.com>\r\n"));
        assert!(last.contains(
            "References: <demo-kickoff-1.alice@example.com> <demo-kickoff-2.alice@example.com> \
             <demo-kickoff-3.alice@example.com>\r\n"
        ));
    }

    #[test]
    fn every_event_parses_and_encodes_for_16_1() {
        let d = demo();
        assert_eq!(d.events.len(), 5);
        let events: Vec<Appointment> = d
            .events
            .iter()
            .map(|e| Appointment::from_icalendar(e, Some(OWNER)).unwrap())
            .collect();
        for a in &events {
            encodes_for_16_1(ApplicationData::from(a.to_wire(ProtocolVersion::V16_1)));
        }
        let by = |s: &str| {
            events
                .iter()
                .find(|a| a.summary.as_deref() == Some(s))
                .unwrap_or_else(|| panic!("no event {s:?}"))
        };

        let tomorrow = by("Design review");
        let start = tomorrow.when.start_utc(tomorrow.tz);
        assert_eq!(start.date_naive(), now().date_naive() + Duration::days(1));
        assert!(tomorrow.recurrence.is_none());

        let weekly = by("Weekly team sync");
        assert!(weekly.recurrence.is_some());
        assert_eq!(weekly.exceptions.len(), 2);
        let deleted: Vec<_> = weekly.exceptions.iter().filter(|x| x.deleted).collect();
        let moved: Vec<_> = weekly.exceptions.iter().filter(|x| !x.deleted).collect();
        assert_eq!(deleted.len(), 1);
        assert_eq!(moved.len(), 1);
        let series_start = weekly.when.start_utc(weekly.tz);
        assert_eq!(deleted[0].original_start, series_start + Duration::weeks(1));
        assert_eq!(moved[0].original_start, series_start + Duration::weeks(2));
        assert_eq!(series_start.weekday(), Weekday::Tue);
        assert!(series_start <= now() - Duration::days(21));
        assert!(series_start > now() - Duration::days(28));
        let moved_when = moved[0].when.as_ref().unwrap();
        assert_eq!(
            moved_when.start_utc(weekly.tz),
            series_start + Duration::weeks(2) + Duration::hours(2)
        );

        assert!(by("Team offsite").when.is_all_day());

        let ny = by("Call with the New York office");
        assert_eq!(ny.tz, chrono_tz::America::New_York);
        let ny_start = ny
            .when
            .start_utc(ny.tz)
            .with_timezone(&chrono_tz::America::New_York);
        assert_eq!(ny_start.format("%H:%M").to_string(), "14:00");

        let planning = by("Quarterly planning");
        assert_eq!(planning.attendees.len(), 2);
        assert_eq!(planning.reminder_minutes, Some(15));
        assert!(planning.organizer.is_some());
    }

    #[test]
    fn every_contact_parses_and_encodes_for_16_1() {
        let d = demo();
        assert_eq!(d.contacts.len(), 6);
        let contacts: Vec<ContactItem> = d
            .contacts
            .iter()
            .map(|c| {
                assert!(c.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"));
                ContactItem::from_vcard(c).unwrap()
            })
            .collect();
        for c in &contacts {
            assert!(c.emails[0].is_some(), "{c:?}");
            assert!(c.phones.get(PhoneKind::Business).is_some(), "{c:?}");
            assert!(c.phones.get(PhoneKind::Mobile).is_some(), "{c:?}");
            assert!(!c.business_address.is_empty(), "{c:?}");
            assert!(c.birthday.is_some(), "{c:?}");
            assert!(c.company_name.is_some(), "{c:?}");
            encodes_for_16_1(ApplicationData::from(
                c.to_wire(ProtocolVersion::V16_1, chrono_tz::UTC),
            ));
        }
        assert!(
            contacts
                .iter()
                .any(|c| c.emails[0].as_deref() == Some(PEER)),
            "the peer is a contact"
        );
        let soren = contacts
            .iter()
            .find(|c| c.first_name.as_deref() == Some("S\u{f8}ren"))
            .unwrap();
        assert_eq!(
            soren.last_name.as_deref(),
            Some("\u{c5}str\u{f6}m-\u{141}ukasiewicz")
        );
        assert_eq!(soren.birthday, NaiveDate::from_ymd_opt(1988, 1, 9));
    }

    #[test]
    fn every_task_parses_and_encodes_for_16_1() {
        let d = demo();
        assert_eq!(d.tasks.len(), 4);
        let tasks: Vec<TaskItem> = d
            .tasks
            .iter()
            .map(|t| TaskItem::from_vtodo(t, chrono_tz::UTC).unwrap())
            .collect();
        for t in &tasks {
            encodes_for_16_1(ApplicationData::from(
                t.to_wire(ProtocolVersion::V16_1, chrono_tz::UTC),
            ));
        }
        let open: Vec<_> = tasks.iter().filter(|t| !t.complete).collect();
        assert!(open.iter().any(|t| t.due.unwrap() > now()), "one due");
        assert!(open.iter().any(|t| t.due.unwrap() < now()), "one overdue");
        let done: Vec<_> = tasks.iter().filter(|t| t.complete).collect();
        assert_eq!(done.len(), 1);
        assert!(done[0].date_completed.is_some());
        let recurring: Vec<_> = tasks.iter().filter(|t| t.recurrence.is_some()).collect();
        assert_eq!(recurring.len(), 1);
        assert_eq!(recurring[0].start.unwrap().weekday(), Weekday::Mon);
    }

    #[test]
    fn every_note_parses_and_encodes_for_16_1() {
        let d = demo();
        assert_eq!(d.notes.len(), 3);
        for text in &d.notes {
            let note = NoteItem::from_vjournal(text).unwrap();
            assert!(note.subject.is_some() && note.body.is_some(), "{note:?}");
            assert_eq!(note.categories.len(), 1, "{note:?}");
            encodes_for_16_1(ApplicationData::from(
                note.to_wire(ProtocolVersion::V16_1).unwrap(),
            ));
        }
        let groceries = NoteItem::from_vjournal(&d.notes[2]).unwrap();
        assert_eq!(
            groceries.body.as_deref(),
            Some("Coffee, milk, bread, apples")
        );
    }

    #[test]
    fn dates_follow_now_and_output_is_deterministic() {
        let later = now() + Duration::days(100);
        let a = demo_mailbox(OWNER, "Alice Example", PEER, later);
        let tomorrow = Appointment::from_icalendar(&a.events[0], Some(OWNER)).unwrap();
        assert_eq!(
            tomorrow.when.start_utc(tomorrow.tz).date_naive(),
            later.date_naive() + Duration::days(1)
        );
        assert_eq!(demo(), demo());
    }

    #[test]
    fn the_weekly_series_is_on_tuesdays_whatever_the_day() {
        for offset in 0..7 {
            let day = now() + Duration::days(offset);
            let d = demo_mailbox(OWNER, "Alice Example", PEER, day);
            let weekly = Appointment::from_icalendar(&d.events[1], Some(OWNER)).unwrap();
            let start = weekly.when.start_utc(weekly.tz);
            assert_eq!(start.weekday(), Weekday::Tue, "now = {day}");
            assert!(start <= day - Duration::days(21) && start > day - Duration::days(28));
        }
    }

    #[test]
    fn the_two_accounts_get_distinct_ids() {
        let alice = demo_mailbox(OWNER, "Alice Example", PEER, now());
        let bob = demo_mailbox(PEER, "Bob Martin", OWNER, now());
        let ids = |d: &DemoMailbox| -> Vec<String> {
            d.mail
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let raw = String::from_utf8_lossy(&m.raw).into_owned();
                    let id = raw
                        .lines()
                        .find_map(|l| l.strip_prefix("Message-ID: "))
                        .map(str::to_owned);
                    id.unwrap_or_else(|| panic!("mail {i} has no Message-ID"))
                })
                .collect()
        };
        let a = ids(&alice);
        let b = ids(&bob);
        assert!(a.iter().all(|id| !b.contains(id)));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), a.len());
        // Bob's mail comes from Alice where Alice's came from Bob.
        let report = parse_mail(&bob.mail[2], 2);
        assert_eq!(report.from[0].address.as_deref(), Some(OWNER));
    }

    #[test]
    fn folding_keeps_lines_within_75_octets() {
        let long = format!("DESCRIPTION:{}\n", "\u{e9}".repeat(100));
        let folded = fold_lines(&long);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, long.replace('\n', "\r\n"));
    }
}
