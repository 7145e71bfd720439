import base64, quopri
def w(name, text, enc=None):
    # text: str with \n line ends; converted to CRLF. enc: encoding for the final bytes.
    data = text.replace('\n', '\r\n')
    b = data.encode(enc) if enc else data.encode('utf-8')
    open(name, 'wb').write(b)
def wb(name, parts):
    # parts: list of bytes/str chunks, LF -> CRLF
    out = b''
    for p in parts:
        if isinstance(p, str): p = p.encode('ascii')
        out += p.replace(b'\n', b'\r\n')
    open(name, 'wb').write(out)

H = """From: Alice Example <alice@example.com>
To: Bob Example <bob@example.com>
Date: Tue, 10 Mar 2026 09:15:00 +0100
Message-ID: <{mid}@example.com>
MIME-Version: 1.0
"""

w('20001_html_only.eml', H.format(mid='20001') + """Subject: HTML only
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Hello <b>Bob</b>,</p><p>the report is =
ready.</p><p>Caf=C3=A9 &amp; cr=C3=A8me</p></body></html>
""")

w('20124_uppercase_types.eml', H.format(mid='20124') + """Subject: Upper case
Content-Type: MULTIPART/ALTERNATIVE; BOUNDARY="UPPER-B1"

--UPPER-B1
Content-Type: TEXT/PLAIN; CHARSET=ISO-8859-1
Content-Transfer-Encoding: QUOTED-PRINTABLE

Gr=FC=DFe aus K=F6ln
--UPPER-B1
Content-Type: TEXT/HTML; CHARSET=UTF-8
Content-Transfer-Encoding: BASE64

""" + base64.encodebytes('<html><body><p>Grüße aus Köln</p></body></html>'.encode()).decode() + """--UPPER-B1--
""")

w('20138_html_only_v25.eml', H.format(mid='20138') + """Subject: Newsletter
Content-Type: text/html; charset="us-ascii"

<html><head><style>p {color: red}</style></head><body>
<h1>News</h1><p>First&nbsp;item &lt;new&gt;</p><br><p>Second item</p>
</body></html>
""")

fn_b64 = "=?UTF-8?B?" + base64.b64encode('Bericht & Zahlen.xlsx'.encode()).decode() + "?="
w('20910_ampersand_filename.eml', H.format(mid='20910') + """Subject: Files
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: text/plain; charset=us-ascii

See attached.
--mix
Content-Type: application/pdf; name="Q&A <draft> \\"final\\".pdf"
Content-Disposition: attachment; filename="Q&A <draft> \\"final\\".pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcTl8uXrCg==
--mix
Content-Type: text/plain
Content-Disposition: attachment; filename*=UTF-8''Br%C3%BCcke%20%26%20Co.txt

bridge
--mix
Content-Type: application/vnd.ms-excel
Content-Disposition: attachment; filename=\"""" + fn_b64 + """\"
Content-Transfer-Encoding: base64

AAEC
--mix--
""")

w('20941_bcc_only.eml', """From: Alice Example <alice@example.com>
Bcc: bob@example.com
Date: Tue, 10 Mar 2026 09:15:00 +0100
Subject: Blind
Message-ID: <20941@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Only Bcc here.
""")

wb('20442_invalid_char_html.eml', [H.format(mid='20442') + """Subject: =?utf-8?Q?Spam=07?=
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>Buy\x00 now\x0b!\x1b[0m</p><p>Price\x7f: 5\x08\x0c</p></body></html>
"""])

w('20335_line_breaks.eml', H.format(mid='20335') + """Subject: Line breaks
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hallo J=FCrgen,

der =DCberblick ist fertig: =E4=F6=FC =22quoted=22 & <tags>.

Gr=FC=DFe,
Anna
""")

w('20842_base64_body.eml', H.format(mid='20842') + """Subject: Base64 body
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

""" + base64.encodebytes('Dies ist der Text. Zweite Zeile mit Umlauten: äöü.\n'.encode()).decode())

w('19892_encodings.eml', H.format(mid='19892') + """Subject: Encodings
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: quoted-printable

Preis: 10 =80 =96 =84Angebot=93 mit einem sehr langen Satz, der wegen der Zeil=
enl=E4nge umbrochen wird.
--alt
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

""" + base64.encodebytes('<html><body><p>Preis: 10 € – „Angebot“ mit einem sehr langen Satz, der wegen der Zeilenlänge umbrochen wird.</p></body></html>'.encode()).decode() + """--alt--
""")

jpeg = base64.encodebytes(b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + bytes(range(40)) + b'\xff\xd9').decode()
w('20587_iphone_image.eml', H.format(mid='20587') + """Subject: Photo
Content-Type: multipart/mixed; boundary="Apple-Mail-1"

--Apple-Mail-1
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Look at this:
--Apple-Mail-1
Content-Type: image/jpeg; name=photo.jpg
Content-Disposition: inline; filename=photo.jpg
Content-Transfer-Encoding: base64

""" + jpeg + """--Apple-Mail-1
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit


Sent from my iPhone
--Apple-Mail-1--
""")

wb('umlauts_latin1_8bit.eml', [H.format(mid='latin1') + "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\n",
   'Schöne Grüße, Jürgen!\nÄrger über Öl.\n'.encode('latin-1')])

wb('umlauts_cp1252_nocharset.eml', [H.format(mid='cp1252') + "Subject: =?windows-1252?Q?=84Zitat=93?=\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n",
   '„Grüße“ kosten 5 € – heute.\n'.encode('cp1252')])

wb('utf8_nocharset.eml', [H.format(mid='utf8nc') + "Subject: UTF-8 without charset\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n",
   'Grüße – ok ✓\n'.encode('utf-8')])

w('rfc2047_headers.eml', """From: =?UTF-8?B?""" + base64.b64encode('Jürgen Müller'.encode()).decode() + """?= <jm@example.com>
To: =?ISO-8859-1?Q?Bj=F6rn_=D6berg?= <bo@example.com>, "Doe, Jane" <jane@example.com>
Cc: =?windows-1252?Q?Fran=E7ois?= <fr@example.com>
Reply-To: Team <team@example.com>
Subject: =?ISO-8859-15?Q?Re=3A_AW=3A_Preis_in_=A4?=
Date: Tue, 10 Mar 2026 09:15:00 +0100
Message-ID: <rfc2047@example.com>
X-Priority: 1 (Highest)
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi.
""")

w('x400_addresses.eml', """From: "Mueller, Hans" </O=SCALIX/OU=FIRST ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=HMUELLER>
To: IMCEAEX-_O=ORG_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=JDOE@example.com, Carol <carol@example.com>
Cc: "Dave Dn" <IMCEAEX-_O=ORG_OU=EXCHANGE_CN=RECIPIENTS_CN=DAVE@example.com>
Date: Tue, 10 Mar 2026 09:15:00 +0100
Subject: X.400
Message-ID: <x400@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

From Outlook.
""")

ical = """BEGIN:VCALENDAR
PRODID:-//Test//Fixture//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:meeting-4711@example.com
SEQUENCE:0
DTSTAMP:20260301T120000Z
DTSTART;TZID=W. Europe Standard Time:20260310T100000
DTEND;TZID=W. Europe Standard Time:20260310T113000
RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10
SUMMARY:Planung Q2
LOCATION:Raum 4 & Flur
ORGANIZER;CN="Alice Example":mailto:alice@example.com
ATTENDEE;CN=Bob;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com
CLASS:PRIVATE
X-MICROSOFT-CDO-INTENDEDSTATUS:TENTATIVE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER:-PT15M
END:VALARM
END:VEVENT
END:VCALENDAR
"""
w('meeting_request.eml', H.format(mid='meeting') + """Subject: Planung Q2
Content-Type: multipart/alternative; boundary="cal"

--cal
Content-Type: text/plain; charset=utf-8

Please join.
--cal
Content-Type: text/calendar; charset=utf-8; method=REQUEST
Content-Transfer-Encoding: base64

""" + base64.encodebytes(ical.replace('\n', '\r\n').encode()).decode() + """--cal--
""")

w('meeting_cancel.eml', H.format(mid='cancel') + """Subject: Canceled: Sync
Content-Type: text/calendar; charset=utf-8; method=CANCEL

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Fixture//EN
METHOD:CANCEL
BEGIN:VEVENT
UID:sync-1@example.com
SEQUENCE:2
DTSTAMP:20260305T080000Z
DTSTART:20260312T150000Z
DTEND:20260312T153000Z
SUMMARY:Sync
ORGANIZER:mailto:alice@example.com
STATUS:CANCELLED
END:VEVENT
END:VCALENDAR
""")

w('nested_rfc822.eml', H.format(mid='nested') + """Subject: Fwd: Original
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=us-ascii

Forwarding the original below.
--outer
Content-Type: message/rfc822

From: Carol <carol@example.com>
To: Alice Example <alice@example.com>
Subject: Original
Date: Mon, 09 Mar 2026 08:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset=us-ascii

Inner text.
--inner
Content-Type: application/octet-stream; name="inner.bin"
Content-Disposition: attachment; filename="inner.bin"
Content-Transfer-Encoding: base64

AAECAwQF
--inner--

--outer--
""")

png = base64.encodebytes(b'\x89PNG\r\n\x1a\n' + bytes(32)).decode()
w('related_inline.eml', H.format(mid='related') + """Subject: Logo
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: multipart/related; boundary="r"

--r
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain; charset=us-ascii

Our logo.
--a
Content-Type: text/html; charset=us-ascii

<html><body><p>Our logo: <img src="cid:logo123@example.com"></p></body></html>
--a--
--r
Content-Type: image/png; name="logo.png"
Content-ID: <logo123@example.com>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

""" + png + """--r--
--m
Content-Type: application/pdf; name="terms.pdf"
Content-Disposition: attachment; filename="terms.pdf"
Content-Location: http://example.com/terms.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--m--
""")

w('smime_signed.eml', H.format(mid='smime') + """Subject: Signed
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"

--sig
Content-Type: text/plain; charset=us-ascii

Signed text.
--sig
Content-Type: application/pkcs7-signature; name=smime.p7s
Content-Disposition: attachment; filename=smime.p7s
Content-Transfer-Encoding: base64

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAA==
--sig--
""")

w('empty_body.eml', """From: Alice Example <alice@example.com>
To: Bob Example <bob@example.com>
Subject: Empty
Date: Tue, 10 Mar 2026 09:15:00 +0100
Message-ID: <empty@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

""")
