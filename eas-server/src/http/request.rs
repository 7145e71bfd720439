//! Sans-IO parsing of an ActiveSync request line and headers (MS-ASHTTP 2.2.1.1).

use base64::Engine as _;
use eas_codec::ProtocolVersion;
use eas_codec::command::Command;

/// Why a request could not be understood. Each maps to an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The query string is empty.
    #[error("empty query string")]
    EmptyQuery,
    /// A required parameter is missing.
    #[error("missing parameter {0}")]
    MissingParameter(&'static str),
    /// A parameter appears twice.
    #[error("duplicate parameter {0}")]
    DuplicateParameter(String),
    /// A parameter could not be percent-decoded into UTF-8.
    #[error("bad percent-encoding in the query")]
    BadPercentEncoding,
    /// The `Cmd` value (or base64 command code) names no known command.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// The base64 query is not valid base64.
    #[error("invalid base64 query")]
    BadBase64,
    /// The base64 query ended before a field was complete.
    #[error("base64 query truncated at {0}")]
    Truncated(&'static str),
    /// A field of the base64 query is not valid (e.g. not UTF-8).
    #[error("invalid field {0} in the base64 query")]
    BadField(&'static str),
    /// An unknown command-parameter tag in the base64 query.
    #[error("unknown base64 command parameter tag {0}")]
    UnknownParameterTag(u8),
    /// The protocol version is not one this server supports.
    #[error("unsupported protocol version {0:?}")]
    UnsupportedVersion(String),
    /// The `X-MS-PolicyKey` header is not an unsigned 32-bit integer.
    #[error("invalid X-MS-PolicyKey")]
    BadPolicyKey,
    /// The `Authorization` header is present but not a valid Basic credential.
    #[error("invalid Authorization header")]
    BadAuthorization,
    /// The `Content-Type` is not one ActiveSync accepts.
    #[error("unsupported Content-Type {0:?}")]
    BadContentType(String),
    /// `Content-Length` is not a number.
    #[error("invalid Content-Length")]
    BadContentLength,
    /// A header value is not visible ASCII / UTF-8.
    #[error("header {0} is not valid text")]
    BadHeader(&'static str),
    /// The request body is not the command's WBXML document.
    #[error("malformed request body: {0}")]
    MalformedBody(String),
}

/// Command parameters of the request line (MS-ASHTTP 2.2.1.1.1.1.3 and 2.2.1.1.1.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandParams {
    /// `AttachmentName`
    pub attachment_name: Option<String>,
    /// `CollectionId`
    pub collection_id: Option<String>,
    /// `ItemId`
    pub item_id: Option<String>,
    /// `LongId`
    pub long_id: Option<String>,
    /// `ParentId`
    pub parent_id: Option<String>,
    /// `Occurrence`
    pub occurrence: Option<String>,
    /// `SaveInSent` (`T` in the plain form, option bit 0x01 in the base64 form)
    pub save_in_sent: bool,
}

/// The locale field of the base64 query, or `None` for the plain form.
pub type Locale = Option<u16>;

/// The query-string half of a request, before headers are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// The command.
    pub command: Command,
    /// `User`, if given (optional in the base64 form).
    pub user: Option<String>,
    /// `DeviceId`.
    pub device_id: String,
    /// `DeviceType`.
    pub device_type: String,
    /// Protocol version carried in the base64 form.
    pub protocol_version: Option<ProtocolVersion>,
    /// Policy key carried in the base64 form.
    pub policy_key: Option<u32>,
    /// Locale carried in the base64 form.
    pub locale: Locale,
    /// `AcceptMultiPart` option bit from the base64 form.
    pub accept_multipart: bool,
    /// Further parameters.
    pub params: CommandParams,
}

/// Parse a query string in either form. A query without `=` is taken as base64.
pub fn parse_query(query: &str) -> Result<RequestLine, RequestError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.is_empty() {
        return Err(RequestError::EmptyQuery);
    }
    let plain = query.split('&').any(|p| {
        p.split_once('=')
            .is_some_and(|(k, _)| PLAIN_KEYS.contains(&k))
    });
    if plain {
        parse_plain_query(query)
    } else {
        parse_base64_query(query)
    }
}

const PLAIN_KEYS: [&str; 11] = [
    "Cmd",
    "User",
    "DeviceId",
    "DeviceType",
    "AttachmentName",
    "CollectionId",
    "ItemId",
    "LongId",
    "ParentId",
    "Occurrence",
    "SaveInSent",
];

fn percent_decode(s: &str) -> Result<String, RequestError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or(RequestError::BadPercentEncoding)?;
                let hex = std::str::from_utf8(hex).map_err(|_| RequestError::BadPercentEncoding)?;
                let v =
                    u8::from_str_radix(hex, 16).map_err(|_| RequestError::BadPercentEncoding)?;
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| RequestError::BadPercentEncoding)
}

fn set_once(slot: &mut Option<String>, name: &str, value: String) -> Result<(), RequestError> {
    if slot.is_some() {
        return Err(RequestError::DuplicateParameter(name.to_owned()));
    }
    *slot = Some(value);
    Ok(())
}

/// Parse the plain form `Cmd=…&User=…&DeviceId=…&DeviceType=…[&…]` (MS-ASHTTP 2.2.1.1.1.2).
pub fn parse_plain_query(query: &str) -> Result<RequestLine, RequestError> {
    let mut cmd = None;
    let mut user = None;
    let mut device_id = None;
    let mut device_type = None;
    let mut params = CommandParams::default();
    let mut save_in_sent = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k)?;
        let value = percent_decode(v)?;
        match key.as_str() {
            "Cmd" => set_once(&mut cmd, &key, value)?,
            "User" => set_once(&mut user, &key, value)?,
            "DeviceId" => set_once(&mut device_id, &key, value)?,
            "DeviceType" => set_once(&mut device_type, &key, value)?,
            "AttachmentName" => set_once(&mut params.attachment_name, &key, value)?,
            "CollectionId" => set_once(&mut params.collection_id, &key, value)?,
            "ItemId" => set_once(&mut params.item_id, &key, value)?,
            "LongId" => set_once(&mut params.long_id, &key, value)?,
            "ParentId" => set_once(&mut params.parent_id, &key, value)?,
            "Occurrence" => set_once(&mut params.occurrence, &key, value)?,
            "SaveInSent" => set_once(&mut save_in_sent, &key, value)?,
            // Unknown parameters are ignored, as servers do for forward compatibility.
            _ => {}
        }
    }
    let cmd = cmd.ok_or(RequestError::MissingParameter("Cmd"))?;
    let command = Command::from_name(&cmd).ok_or(RequestError::UnknownCommand(cmd))?;
    params.save_in_sent = save_in_sent.is_some_and(|v| v.eq_ignore_ascii_case("T"));
    let device_id = device_id
        .filter(|d| !d.is_empty())
        .ok_or(RequestError::MissingParameter("DeviceId"))?;
    let device_type = device_type
        .filter(|d| !d.is_empty())
        .ok_or(RequestError::MissingParameter("DeviceType"))?;
    Ok(RequestLine {
        command,
        user: user.filter(|u| !u.is_empty()),
        device_id,
        device_type,
        protocol_version: None,
        policy_key: None,
        locale: None,
        accept_multipart: false,
        params,
    })
}

/// The protocol version for the base64 form's version byte (e.g. 141 → 14.1).
pub fn version_from_byte(b: u8) -> Option<ProtocolVersion> {
    Some(match b {
        25 => ProtocolVersion::V2_5,
        120 => ProtocolVersion::V12_0,
        121 => ProtocolVersion::V12_1,
        140 => ProtocolVersion::V14_0,
        141 => ProtocolVersion::V14_1,
        160 => ProtocolVersion::V16_0,
        161 => ProtocolVersion::V16_1,
        _ => return None,
    })
}

/// The base64 form's version byte for a protocol version (e.g. 14.1 → 141).
pub fn version_to_byte(v: ProtocolVersion) -> u8 {
    match v {
        ProtocolVersion::V2_5 => 25,
        ProtocolVersion::V12_0 => 120,
        ProtocolVersion::V12_1 => 121,
        ProtocolVersion::V14_0 => 140,
        ProtocolVersion::V14_1 => 141,
        ProtocolVersion::V16_0 => 160,
        ProtocolVersion::V16_1 => 161,
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self, field: &'static str) -> Result<u8, RequestError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or(RequestError::Truncated(field))?;
        self.pos += 1;
        Ok(b)
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RequestError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(RequestError::Truncated(field))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(RequestError::Truncated(field))?;
        self.pos = end;
        Ok(s)
    }
    fn text(&mut self, n: usize, field: &'static str) -> Result<String, RequestError> {
        let s = self.take(n, field)?;
        String::from_utf8(s.to_vec()).map_err(|_| RequestError::BadField(field))
    }
    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// Decode the base64 text of the query (standard alphabet, padding optional, URL-escaped
/// `%2B`, `%2F`, `%3D` accepted).
pub fn decode_base64_query(query: &str) -> Result<Vec<u8>, RequestError> {
    let text = percent_decode(query).map_err(|_| RequestError::BadBase64)?;
    // `+` became a space in percent-decoding; restore it.
    let text: String = text.trim_end_matches('=').replace(' ', "+");
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| RequestError::BadBase64)
}

/// Parse the base64-encoded binary form (MS-ASHTTP 2.2.1.1.1.1).
pub fn parse_base64_query(query: &str) -> Result<RequestLine, RequestError> {
    let data = decode_base64_query(query)?;
    parse_binary_query(&data)
}

/// Parse the decoded bytes of the base64 form.
pub fn parse_binary_query(data: &[u8]) -> Result<RequestLine, RequestError> {
    let mut r = Reader { data, pos: 0 };
    let vb = r.byte("ProtocolVersion")?;
    let protocol_version =
        version_from_byte(vb).ok_or_else(|| RequestError::UnsupportedVersion(vb.to_string()))?;
    let code = r.byte("CommandCode")?;
    let command =
        Command::from_code(code).ok_or_else(|| RequestError::UnknownCommand(code.to_string()))?;
    let loc = r.take(2, "Locale")?;
    let locale = u16::from_le_bytes([loc[0], loc[1]]);
    let id_len = usize::from(r.byte("DeviceIdLength")?);
    if id_len == 0 {
        return Err(RequestError::MissingParameter("DeviceId"));
    }
    let id_bytes = r.take(id_len, "DeviceId")?;
    // The device id is a byte string; printable ids are kept as text, others in hex.
    let device_id = match std::str::from_utf8(id_bytes) {
        Ok(s) if s.chars().all(|c| c.is_ascii_graphic()) => s.to_owned(),
        _ => id_bytes.iter().map(|b| format!("{b:02X}")).collect(),
    };
    let pk_len = r.byte("PolicyKeyLength")?;
    let policy_key = match pk_len {
        0 => None,
        4 => {
            let k = r.take(4, "PolicyKey")?;
            Some(u32::from_le_bytes([k[0], k[1], k[2], k[3]]))
        }
        _ => return Err(RequestError::BadField("PolicyKeyLength")),
    };
    let dt_len = usize::from(r.byte("DeviceTypeLength")?);
    if dt_len == 0 {
        return Err(RequestError::MissingParameter("DeviceType"));
    }
    let device_type = r.text(dt_len, "DeviceType")?;
    let mut params = CommandParams::default();
    let mut user = None;
    let mut accept_multipart = false;
    while !r.done() {
        let tag = r.byte("ParameterTag")?;
        let len = usize::from(r.byte("ParameterLength")?);
        match tag {
            0 => set_once(
                &mut params.attachment_name,
                "AttachmentName",
                r.text(len, "AttachmentName")?,
            )?,
            1 => set_once(
                &mut params.collection_id,
                "CollectionId",
                r.text(len, "CollectionId")?,
            )?,
            3 => set_once(&mut params.item_id, "ItemId", r.text(len, "ItemId")?)?,
            4 => set_once(&mut params.long_id, "LongId", r.text(len, "LongId")?)?,
            5 => set_once(&mut params.parent_id, "ParentId", r.text(len, "ParentId")?)?,
            6 => set_once(
                &mut params.occurrence,
                "Occurrence",
                r.text(len, "Occurrence")?,
            )?,
            7 => {
                let v = r.take(len, "Options")?;
                let bits = v.first().copied().unwrap_or(0);
                params.save_in_sent |= bits & 0x01 != 0;
                accept_multipart |= bits & 0x02 != 0;
            }
            8 => set_once(&mut user, "User", r.text(len, "User")?)?,
            other => return Err(RequestError::UnknownParameterTag(other)),
        }
    }
    Ok(RequestLine {
        command,
        user: user.filter(|u| !u.is_empty()),
        device_id,
        device_type,
        protocol_version: Some(protocol_version),
        policy_key,
        locale: Some(locale),
        accept_multipart,
        params,
    })
}

/// Basic credentials from `Authorization`. The user name is kept as given
/// (`user@domain` or `DOMAIN\user`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name, as sent.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Parse an `Authorization: Basic …` value.
pub fn parse_basic_auth(value: &str) -> Result<Credentials, RequestError> {
    let value = value.trim();
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or(RequestError::BadAuthorization)?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(RequestError::BadAuthorization);
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim().as_bytes())
        .map_err(|_| RequestError::BadAuthorization)?;
    // RFC 7617 leaves the charset to the client; many (python-requests among them) send
    // Latin-1. Text that is not UTF-8 is read as Latin-1, where every byte is a character.
    let text = match String::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let (user, password) = text.split_once(':').ok_or(RequestError::BadAuthorization)?;
    if user.is_empty() {
        return Err(RequestError::BadAuthorization);
    }
    Ok(Credentials {
        user: user.to_owned(),
        password: password.to_owned(),
    })
}

/// The request headers ActiveSync cares about, as text (`None` when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawHeaders {
    /// `MS-ASProtocolVersion`
    pub protocol_version: Option<String>,
    /// `X-MS-PolicyKey`
    pub policy_key: Option<String>,
    /// `MS-ASAcceptMultiPart`
    pub accept_multipart: Option<String>,
    /// `Authorization`
    pub authorization: Option<String>,
    /// `Content-Type`
    pub content_type: Option<String>,
    /// `Content-Length`
    pub content_length: Option<String>,
}

/// A fully parsed ActiveSync request: the request line merged with the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EasRequest {
    /// The command.
    pub command: Command,
    /// The user: the `User` parameter, else the Basic-auth user name, kept as given.
    pub user: String,
    /// `DeviceId`.
    pub device_id: String,
    /// `DeviceType`.
    pub device_type: String,
    /// The negotiated protocol version (header, else base64 byte, else 2.5 per MS-ASHTTP).
    pub protocol_version: ProtocolVersion,
    /// The policy key (header, else base64 field); `None` or `Some(0)` when unprovisioned.
    pub policy_key: Option<u32>,
    /// Whether the client accepts a multipart response.
    pub accept_multipart: bool,
    /// The base64 form's locale.
    pub locale: Locale,
    /// Command parameters.
    pub params: CommandParams,
    /// Basic credentials, when sent.
    pub credentials: Option<Credentials>,
    /// Declared body length.
    pub content_length: Option<u64>,
}

/// Whether a `Content-Type` is acceptable for an ActiveSync request.
pub fn is_acceptable_content_type(ct: &str) -> bool {
    let base = ct.split(';').next().unwrap_or("").trim();
    [
        "application/vnd.ms-sync.wbxml",
        "application/vnd.ms-sync",
        "message/rfc822",
        "text/xml",
    ]
    .iter()
    .any(|t| base.eq_ignore_ascii_case(t))
}

/// Merge the request line with the headers into an [`EasRequest`].
pub fn build_request(line: RequestLine, headers: &RawHeaders) -> Result<EasRequest, RequestError> {
    let protocol_version = match &headers.protocol_version {
        Some(v) => {
            ProtocolVersion::parse(v).ok_or_else(|| RequestError::UnsupportedVersion(v.clone()))?
        }
        None => line.protocol_version.unwrap_or(ProtocolVersion::V2_5),
    };
    let policy_key = match &headers.policy_key {
        Some(v) => Some(
            v.trim()
                .parse::<u32>()
                .map_err(|_| RequestError::BadPolicyKey)?,
        ),
        None => line.policy_key,
    };
    let accept_multipart = line.accept_multipart
        || headers
            .accept_multipart
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("T"));
    let credentials = headers
        .authorization
        .as_deref()
        .map(parse_basic_auth)
        .transpose()?;
    if let Some(ct) = &headers.content_type
        && !is_acceptable_content_type(ct)
    {
        return Err(RequestError::BadContentType(ct.clone()));
    }
    let content_length = headers
        .content_length
        .as_deref()
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| RequestError::BadContentLength)
        })
        .transpose()?;
    let user = match (line.user, &credentials) {
        (Some(u), _) => u,
        (None, Some(c)) => c.user.clone(),
        (None, None) => return Err(RequestError::MissingParameter("User")),
    };
    Ok(EasRequest {
        command: line.command,
        user,
        device_id: line.device_id,
        device_type: line.device_type,
        protocol_version,
        policy_key,
        accept_multipart,
        locale: line.locale,
        params: line.params,
        credentials,
        content_length,
    })
}
