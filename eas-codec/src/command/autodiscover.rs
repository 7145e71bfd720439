//! Autodiscover (MS-ASCMD 2.2.1.1, MS-ASHTTP): plain XML ("POX"), not WBXML.
//!
//! The client posts an [`AutodiscoverRequest`] in the [`REQUEST_NS`] namespace naming the
//! [`MOBILESYNC_RESPONSE_NS`] schema; the server answers in the [`RESPONSE_NS`] namespace with
//! either a mobilesync `Response` (the ActiveSync URL, a redirect to another address, or an
//! error for this user) or, when the request itself cannot be served (ErrorCode 600 invalid
//! request, 601 schema not available), a plain `Response` holding an `Error`.
//!
//! Both directions are here, so that a server ([`parse_request`], [`to_xml`]) and a client
//! ([`request_to_xml`], [`parse_response`]) can use them. Parsing is strict: an unknown
//! element, text where elements belong, a wrong namespace or an unsupported response schema
//! is a [`CodecError::Xml`].

use quick_xml::events::Event as XmlEvent;
use quick_xml::name::ResolveResult;

use crate::{CodecError, status_enum};

/// Namespace of the request document.
pub const REQUEST_NS: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
/// Namespace of the response document's root (`Autodiscover`) and of its plain error
/// `Response`.
pub const RESPONSE_NS: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
/// Namespace of the ActiveSync (mobilesync) `Response`; also the only value allowed in
/// `AcceptableResponseSchema`.
pub const MOBILESYNC_RESPONSE_NS: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";

/// Deepest element nesting accepted (the documents are four levels deep).
const MAX_DEPTH: usize = 32;

status_enum! {
    /// The `Status` of an Autodiscover `Error` (MS-ASCMD 2.2.3.177.1).
    pub enum AutodiscoverStatus {
        1 => Success: "Success (never sent: Status only comes with an error).",
        2 => ProtocolError: "Protocol error.",
    }
}

status_enum! {
    /// The `ErrorCode` of an Autodiscover `Error` (MS-ASCMD 2.2.3.64).
    pub enum AutodiscoverErrorCode {
        600 => InvalidRequest: "The request is invalid.",
        601 => ProviderNotFound: "No provider serves the requested AcceptableResponseSchema.",
    }
}

/// Autodiscover request: the user's address and the response schema wanted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AutodiscoverRequest {
    /// The user's SMTP address.
    pub email_address: String,
    /// The response schema wanted; always [`MOBILESYNC_RESPONSE_NS`] once parsed.
    pub acceptable_response_schema: String,
}

impl AutodiscoverRequest {
    /// A request for `email_address` asking for the mobilesync schema.
    pub fn new(email_address: impl Into<String>) -> Self {
        AutodiscoverRequest {
            email_address: email_address.into(),
            acceptable_response_schema: MOBILESYNC_RESPONSE_NS.to_string(),
        }
    }
}

/// Autodiscover response: the root `Autodiscover` holds one of two `Response` elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutodiscoverResponse {
    /// The mobilesync `Response`: settings, redirect or per-user error.
    MobileSync(MobileSyncResponse),
    /// The plain `Response` (in [`RESPONSE_NS`]): the request could not be served.
    Generic(GenericResponse),
}

/// The mobilesync `Response`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MobileSyncResponse {
    /// The culture for messages, such as `en:us`.
    pub culture: Option<String>,
    /// The user the answer is for.
    pub user: Option<User>,
    /// What the client is to do.
    pub action: Option<Action>,
}

/// The user an Autodiscover answer is for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// The user's display name.
    pub display_name: Option<String>,
    /// The user's SMTP address.
    pub email_address: String,
}

/// The `Action` of a mobilesync response: settings, a redirect, or an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Action {
    /// Retry Autodiscover with this address.
    pub redirect: Option<String>,
    /// The servers to use (`Settings`).
    pub settings: Option<Vec<Server>>,
    /// Why no settings can be given.
    pub error: Option<ActionError>,
}

/// One `Server` of the settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Server {
    /// `MobileSync` for the ActiveSync endpoint, `CertEnroll` for certificate enrolment.
    pub server_type: Option<String>,
    /// The endpoint's URL.
    pub url: Option<String>,
    /// The server's name (the URL for MobileSync).
    pub name: Option<String>,
    /// The certificate template (for CertEnroll).
    pub server_data: Option<String>,
}

/// The `Error` of a mobilesync `Action`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionError {
    /// The error's status.
    pub status: Option<AutodiscoverStatus>,
    /// A message for the user.
    pub message: Option<String>,
    /// Data for debugging.
    pub debug_data: Option<String>,
    /// An error number.
    pub error_code: Option<u32>,
}

/// The plain `Response` sent when the request could not be served.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GenericResponse {
    /// The error.
    pub error: Option<AutodiscoverError>,
}

/// The `Error` of a plain `Response`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AutodiscoverError {
    /// The `Time` attribute (server time of the error).
    pub time: Option<String>,
    /// The `Id` attribute (an id of the server).
    pub id: Option<String>,
    /// The error's code (600, 601).
    pub error_code: Option<AutodiscoverErrorCode>,
    /// A message.
    pub message: Option<String>,
    /// Data for debugging.
    pub debug_data: Option<String>,
}

impl AutodiscoverResponse {
    /// The answer for a request that could not be served, with `code` and `message`.
    pub fn error(code: AutodiscoverErrorCode, message: impl Into<String>) -> Self {
        AutodiscoverResponse::Generic(GenericResponse {
            error: Some(AutodiscoverError {
                error_code: Some(code),
                message: Some(message.into()),
                ..Default::default()
            }),
        })
    }

    /// The URL of the `MobileSync` server, if the response gives one.
    pub fn mobile_sync_url(&self) -> Option<&str> {
        let AutodiscoverResponse::MobileSync(r) = self else {
            return None;
        };
        r.action
            .as_ref()?
            .settings
            .as_ref()?
            .iter()
            .find(|s| s.server_type.as_deref() == Some("MobileSync"))?
            .url
            .as_deref()
    }
}

// ---- Parsing ----

/// An element of the parsed document.
#[derive(Debug)]
struct Node {
    ns: String,
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    position: u64,
}

fn xml_err(position: u64, message: impl Into<String>) -> CodecError {
    CodecError::Xml {
        position,
        message: message.into(),
    }
}

fn parse_tree(xml: &str) -> Result<Node, CodecError> {
    let mut reader = quick_xml::NsReader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let position = reader.buffer_position();
        let (ns, ev) = reader
            .read_resolved_event()
            .map_err(|e| xml_err(position, e.to_string()))?;
        let namespace = match ns {
            ResolveResult::Bound(n) => AsRef::<str>::as_ref(&n).to_string(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(p) => {
                return Err(xml_err(position, format!("undeclared prefix {p:?}")));
            }
        };
        let mut text_piece: Option<String> = None;
        match ev {
            XmlEvent::Start(_) | XmlEvent::Empty(_) if root.is_some() => {
                return Err(xml_err(position, "a second root element"));
            }
            XmlEvent::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(xml_err(position, "elements nested too deeply"));
                }
                stack.push(new_node(namespace, &e, position)?);
            }
            XmlEvent::Empty(e) => {
                let node = new_node(namespace, &e, position)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            XmlEvent::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| xml_err(position, "end tag without start tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            // Entity references arrive as their own events, so this is literal text.
            XmlEvent::Text(t) => text_piece = Some(t.xml10_content().into_owned()),
            XmlEvent::CData(c) => text_piece = Some(c.into_inner().into_owned()),
            XmlEvent::GeneralRef(r) => {
                let s = match AsRef::<str>::as_ref(&r.clone().into_inner()) {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    other => r
                        .resolve_char_ref()
                        .map_err(|e| xml_err(position, e.to_string()))?
                        .ok_or_else(|| xml_err(position, format!("unknown entity &{other};")))?
                        .to_string(),
                };
                text_piece = Some(s);
            }
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) => {}
            XmlEvent::DocType(_) => return Err(xml_err(position, "a DOCTYPE is not allowed")),
            XmlEvent::Eof => break,
        }
        if let Some(piece) = text_piece {
            match stack.last_mut() {
                Some(node) => node.text.push_str(&piece),
                None if piece.trim().is_empty() => {}
                None => return Err(xml_err(position, "text outside the root element")),
            }
        }
    }
    let end = reader.buffer_position();
    if !stack.is_empty() {
        return Err(xml_err(end, "the document ends inside an element"));
    }
    root.ok_or_else(|| xml_err(end, "no root element"))
}

fn new_node(
    ns: String,
    e: &quick_xml::events::BytesStart<'_>,
    position: u64,
) -> Result<Node, CodecError> {
    let name = AsRef::<str>::as_ref(&e.local_name()).to_string();
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| xml_err(position, err.to_string()))?;
        let key = AsRef::<str>::as_ref(&attr.key.local_name()).to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| xml_err(position, err.to_string()))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Node {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        position,
    })
}

impl Node {
    fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    fn check_name(&self, ns: &str, name: &str) -> Result<(), CodecError> {
        if self.is(ns, name) {
            Ok(())
        } else {
            Err(xml_err(
                self.position,
                format!(
                    "expected {name} in namespace {ns:?}, found {} in namespace {:?}",
                    self.name, self.ns
                ),
            ))
        }
    }

    /// The children of a container, which must hold no text.
    fn elements(&self) -> Result<&[Node], CodecError> {
        if !self.text.trim().is_empty() {
            return Err(xml_err(self.position, format!("text inside {}", self.name)));
        }
        Ok(&self.children)
    }

    /// The (trimmed) text of a leaf, which must hold no elements.
    fn leaf(&self) -> Result<String, CodecError> {
        if let Some(child) = self.children.first() {
            return Err(xml_err(
                child.position,
                format!("element {} inside {}", child.name, self.name),
            ));
        }
        Ok(self.text.trim().to_string())
    }

    fn number<T: std::str::FromStr>(&self) -> Result<T, CodecError> {
        self.leaf()?
            .parse()
            .map_err(|_| xml_err(self.position, format!("{} is not a number", self.name)))
    }

    fn unexpected(&self, parent: &Node) -> CodecError {
        xml_err(
            self.position,
            format!(
                "element {} (namespace {:?}) is not allowed in {}",
                self.name, self.ns, parent.name
            ),
        )
    }
}

/// Store `value` in a field that may occur once.
fn once<T>(slot: &mut Option<T>, node: &Node, value: T) -> Result<(), CodecError> {
    if slot.is_some() {
        return Err(xml_err(
            node.position,
            format!("element {} occurs more than once", node.name),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn required<T>(slot: Option<T>, parent: &Node, name: &str) -> Result<T, CodecError> {
    slot.ok_or_else(|| xml_err(parent.position, format!("{} lacks its {name}", parent.name)))
}

/// Parse an Autodiscover request (server side). A request for any response schema other
/// than [`MOBILESYNC_RESPONSE_NS`] is refused.
pub fn parse_request(xml: &str) -> Result<AutodiscoverRequest, CodecError> {
    let root = parse_tree(xml)?;
    root.check_name(REQUEST_NS, "Autodiscover")?;
    let mut request = None;
    for child in root.elements()? {
        if child.is(REQUEST_NS, "Request") {
            once(&mut request, child, child)?;
        } else {
            return Err(child.unexpected(&root));
        }
    }
    let request = required(request, &root, "Request")?;
    let (mut email, mut schema) = (None, None);
    for child in request.elements()? {
        if child.is(REQUEST_NS, "EMailAddress") {
            once(&mut email, child, child.leaf()?)?;
        } else if child.is(REQUEST_NS, "AcceptableResponseSchema") {
            once(&mut schema, child, (child.leaf()?, child.position))?;
        } else {
            return Err(child.unexpected(request));
        }
    }
    let email_address = required(email, request, "EMailAddress")?;
    let (schema, at) = required(schema, request, "AcceptableResponseSchema")?;
    if schema != MOBILESYNC_RESPONSE_NS {
        return Err(xml_err(
            at,
            format!("unsupported AcceptableResponseSchema {schema:?}"),
        ));
    }
    Ok(AutodiscoverRequest {
        email_address,
        acceptable_response_schema: schema,
    })
}

/// Parse an Autodiscover response (client side).
pub fn parse_response(xml: &str) -> Result<AutodiscoverResponse, CodecError> {
    let root = parse_tree(xml)?;
    root.check_name(RESPONSE_NS, "Autodiscover")?;
    let mut response = None;
    for child in root.elements()? {
        let parsed = if child.is(MOBILESYNC_RESPONSE_NS, "Response") {
            AutodiscoverResponse::MobileSync(mobile_sync_response(child)?)
        } else if child.is(RESPONSE_NS, "Response") {
            AutodiscoverResponse::Generic(generic_response(child)?)
        } else {
            return Err(child.unexpected(&root));
        };
        once(&mut response, child, parsed)?;
    }
    required(response, &root, "Response")
}

fn mobile_sync_response(node: &Node) -> Result<MobileSyncResponse, CodecError> {
    const NS: &str = MOBILESYNC_RESPONSE_NS;
    let mut out = MobileSyncResponse::default();
    for child in node.elements()? {
        if child.is(NS, "Culture") {
            once(&mut out.culture, child, child.leaf()?)?;
        } else if child.is(NS, "User") {
            let mut display_name = None;
            let mut email = None;
            for c in child.elements()? {
                if c.is(NS, "DisplayName") {
                    once(&mut display_name, c, c.leaf()?)?;
                } else if c.is(NS, "EMailAddress") {
                    once(&mut email, c, c.leaf()?)?;
                } else {
                    return Err(c.unexpected(child));
                }
            }
            let user = User {
                display_name,
                email_address: required(email, child, "EMailAddress")?,
            };
            once(&mut out.user, child, user)?;
        } else if child.is(NS, "Action") {
            once(&mut out.action, child, action(child)?)?;
        } else {
            return Err(child.unexpected(node));
        }
    }
    Ok(out)
}

fn action(node: &Node) -> Result<Action, CodecError> {
    const NS: &str = MOBILESYNC_RESPONSE_NS;
    let mut out = Action::default();
    for child in node.elements()? {
        if child.is(NS, "Redirect") {
            once(&mut out.redirect, child, child.leaf()?)?;
        } else if child.is(NS, "Settings") {
            let mut servers = Vec::new();
            for s in child.elements()? {
                if s.is(NS, "Server") {
                    servers.push(server(s)?);
                } else {
                    return Err(s.unexpected(child));
                }
            }
            once(&mut out.settings, child, servers)?;
        } else if child.is(NS, "Error") {
            let mut err = ActionError::default();
            for c in child.elements()? {
                if c.is(NS, "Status") {
                    once(
                        &mut err.status,
                        c,
                        AutodiscoverStatus::from_code(c.number()?),
                    )?;
                } else if c.is(NS, "Message") {
                    once(&mut err.message, c, c.leaf()?)?;
                } else if c.is(NS, "DebugData") {
                    once(&mut err.debug_data, c, c.leaf()?)?;
                } else if c.is(NS, "ErrorCode") {
                    once(&mut err.error_code, c, c.number()?)?;
                } else {
                    return Err(c.unexpected(child));
                }
            }
            once(&mut out.error, child, err)?;
        } else {
            return Err(child.unexpected(node));
        }
    }
    Ok(out)
}

fn server(node: &Node) -> Result<Server, CodecError> {
    const NS: &str = MOBILESYNC_RESPONSE_NS;
    let mut out = Server::default();
    for c in node.elements()? {
        let slot = if c.is(NS, "Type") {
            &mut out.server_type
        } else if c.is(NS, "Url") {
            &mut out.url
        } else if c.is(NS, "Name") {
            &mut out.name
        } else if c.is(NS, "ServerData") {
            &mut out.server_data
        } else {
            return Err(c.unexpected(node));
        };
        once(slot, c, c.leaf()?)?;
    }
    Ok(out)
}

fn generic_response(node: &Node) -> Result<GenericResponse, CodecError> {
    let mut out = GenericResponse::default();
    for child in node.elements()? {
        if !child.is(RESPONSE_NS, "Error") {
            return Err(child.unexpected(node));
        }
        let mut err = AutodiscoverError::default();
        for (key, value) in &child.attrs {
            match key.as_str() {
                "Time" => err.time = Some(value.clone()),
                "Id" => err.id = Some(value.clone()),
                _ => {}
            }
        }
        for c in child.elements()? {
            if c.is(RESPONSE_NS, "ErrorCode") {
                let code = AutodiscoverErrorCode::from_code(c.number()?);
                once(&mut err.error_code, c, code)?;
            } else if c.is(RESPONSE_NS, "Message") {
                once(&mut err.message, c, c.leaf()?)?;
            } else if c.is(RESPONSE_NS, "DebugData") {
                once(&mut err.debug_data, c, c.leaf()?)?;
            } else {
                return Err(c.unexpected(child));
            }
        }
        once(&mut out.error, child, err)?;
    }
    Ok(out)
}

// ---- Writing ----

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes indented XML.
struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"),
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(v, true)));
        }
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn leaf(&mut self, name: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        self.indent();
        if value.is_empty() {
            self.out.push_str(&format!("<{name} />\n"));
        } else {
            self.out
                .push_str(&format!("<{name}>{}</{name}>\n", escape(value, false)));
        }
    }
}

/// Serialise an Autodiscover request (client side).
pub fn request_to_xml(request: &AutodiscoverRequest) -> String {
    let mut w = XmlWriter::new();
    w.open("Autodiscover", &[("xmlns", REQUEST_NS)]);
    w.open("Request", &[]);
    w.leaf("EMailAddress", Some(&request.email_address));
    w.leaf(
        "AcceptableResponseSchema",
        Some(&request.acceptable_response_schema),
    );
    w.close("Request");
    w.close("Autodiscover");
    w.out
}

/// Serialise an Autodiscover response (server side).
pub fn to_xml(response: &AutodiscoverResponse) -> String {
    let mut w = XmlWriter::new();
    w.open("Autodiscover", &[("xmlns", RESPONSE_NS)]);
    match response {
        AutodiscoverResponse::MobileSync(r) => {
            w.open("Response", &[("xmlns", MOBILESYNC_RESPONSE_NS)]);
            w.leaf("Culture", r.culture.as_deref());
            if let Some(user) = &r.user {
                w.open("User", &[]);
                w.leaf("DisplayName", user.display_name.as_deref());
                w.leaf("EMailAddress", Some(&user.email_address));
                w.close("User");
            }
            if let Some(action) = &r.action {
                w.open("Action", &[]);
                w.leaf("Redirect", action.redirect.as_deref());
                if let Some(servers) = &action.settings {
                    w.open("Settings", &[]);
                    for s in servers {
                        w.open("Server", &[]);
                        w.leaf("Type", s.server_type.as_deref());
                        w.leaf("Url", s.url.as_deref());
                        w.leaf("Name", s.name.as_deref());
                        w.leaf("ServerData", s.server_data.as_deref());
                        w.close("Server");
                    }
                    w.close("Settings");
                }
                if let Some(err) = &action.error {
                    w.open("Error", &[]);
                    let status = err.status.map(|s| s.code().to_string());
                    w.leaf("Status", status.as_deref());
                    w.leaf("Message", err.message.as_deref());
                    w.leaf("DebugData", err.debug_data.as_deref());
                    let code = err.error_code.map(|c| c.to_string());
                    w.leaf("ErrorCode", code.as_deref());
                    w.close("Error");
                }
                w.close("Action");
            }
            w.close("Response");
        }
        AutodiscoverResponse::Generic(r) => {
            w.open("Response", &[]);
            if let Some(err) = &r.error {
                let mut attrs = Vec::new();
                if let Some(t) = &err.time {
                    attrs.push(("Time", t.as_str()));
                }
                if let Some(id) = &err.id {
                    attrs.push(("Id", id.as_str()));
                }
                w.open("Error", &attrs);
                let code = err.error_code.map(|c| c.code().to_string());
                w.leaf("ErrorCode", code.as_deref());
                w.leaf("Message", err.message.as_deref());
                w.leaf("DebugData", err.debug_data.as_deref());
                w.close("Error");
            }
            w.close("Response");
        }
    }
    w.close("Autodiscover");
    w.out
}
