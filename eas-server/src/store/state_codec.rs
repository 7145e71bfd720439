//! The byte form of a device's sync state ([`DeviceState`]), as kept in the
//! `store_devices.state` column.
//!
//! # Format
//!
//! One leading byte, [`FORMAT_VERSION`], then every field in declaration order: integers as
//! LEB128 varints, strings as a length and UTF-8 bytes, options as a presence byte, lists as
//! a count and their elements. The engine's and eas-codec's structs are destructured
//! exhaustively, so a field added to either fails the build here instead of being dropped
//! silently; such a change gets a new format version.
//!
//! **Id sets.** Sorted id sets and map keys (`known`, `echo`, the collection and folder maps,
//! ClientIds) are written in one of two modes. When every id is a canonical decimal number
//! (what the SQLite store hands out), the numbers are sorted and written as gaps, about one
//! byte per id for a dense folder. Otherwise the ids are front-coded in their sorted order (the
//! length shared with the previous id, then the rest), restarting every [`RESTART_INTERVAL`]
//! ids so that a corrupted entry cannot make the decoder build keys far larger than its input.
//!
//! **Items.** `ApplicationData` (the rendered items of a replayed Sync response and the items
//! of a cached Sync request) is stored as WBXML written by eas-codec. eas-codec's encoder
//! leaves out every element the target protocol version lacks, and no version has them all
//! (2.5's `Email:Body` and 16.0's `AirSyncBase:Location` exclude each other), so an item is
//! written for the first of 16.1, 14.1, 12.1 and 2.5 whose WBXML decodes back to the very same
//! value — those four cover every element set of the seven versions — and that version and
//! the item's class are recorded in front of it; decoding reads it for that version, without
//! version filtering, with the class as the hint. An item that no single version can carry
//! (one mixing 2.5-only and 16.0-only elements, which a backend rendering for the client's
//! version never produces) is refused with [`StateCodecError::Unrepresentable`] rather than
//! stored with something missing.
//!
//! # Unknown versions
//!
//! A state written by another format version is refused with
//! [`StateCodecError::UnknownFormat`]; so is any damaged state. The server then treats the
//! device as new: its next request finds no state, gets "invalid sync key", and the device
//! resyncs from key 0. Nothing is lost on the server side.
//!
//! # Robustness
//!
//! Decoding never panics: every read is bounds-checked, and no allocation is sized by a
//! count or length the input has not yet backed with as many bytes.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use eas_codec::codec::{self, DecodeOptions, Empty, TagList, Toggle};
use eas_codec::command::folder::{
    Folder as WireFolder, FolderChange, FolderChanges, FolderCreateRequest, FolderCreateResponse,
    FolderCreateStatus, FolderDelete as WireFolderDelete, FolderDeleteRequest,
    FolderDeleteResponse, FolderDeleteStatus, FolderSyncResponse, FolderSyncStatus,
    FolderUpdateRequest, FolderUpdateResponse, FolderUpdateStatus,
};
use eas_codec::command::sync::{
    AddResponse, ChangeResponse, ClientAdd, FetchResponse, ItemChange, ItemDelete, ItemFetch,
    ServerAdd, SyncCollection, SyncCollections, SyncItemResponse, SyncOptions, SyncRequest,
    SyncRequestCommand, SyncRequestCommands, SyncResponseCollection, SyncResponseCommand,
    SyncResponseCommands, SyncResponses, SyncStatus,
};
use eas_codec::data::{ApplicationData, BodyPartPreference, BodyPreference};
use eas_codec::{Class, CodecError, CompactString, ProtocolVersion, Tag};
use eas_sync_engine::folder::FolderCommandReplay;
use eas_sync_engine::push::PingState;
use eas_sync_engine::state::{CollectionState, FolderSnapshot, HierarchyState, Refilter, SyncKey};
use eas_sync_engine::{ChangeToken, CollectionId, DeviceState, ItemId};

/// The format this build writes and reads, the first byte of every encoded state.
pub const FORMAT_VERSION: u8 = 1;

/// How many front-coded ids share prefixes before one is written whole.
pub const RESTART_INTERVAL: usize = 16;

/// Items are written for the first of these versions that carries them whole. Every other
/// version's element set is contained in one of them (12.0 in 12.1, 14.0 in 14.1, 16.0 in
/// 16.1), so trying the remaining three would never succeed where these fail.
const ITEM_VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V16_1,
    ProtocolVersion::V14_1,
    ProtocolVersion::V12_1,
    ProtocolVersion::V2_5,
];

/// Id-set modes.
const IDS_DECIMAL: u8 = 0;
const IDS_FRONT_CODED: u8 = 1;

/// Why a state could not be encoded or decoded. Offsets count bytes from the start of the
/// encoded state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateCodecError {
    /// The state was written in a format this build does not read (or is not a state at all).
    #[error("state format version {found} is not the supported {supported}")]
    UnknownFormat {
        /// The first byte found.
        found: u8,
        /// [`FORMAT_VERSION`].
        supported: u8,
    },
    /// The input ended inside a value.
    #[error("state truncated at byte {offset}")]
    Truncated {
        /// Where the missing value starts.
        offset: usize,
    },
    /// A value is malformed.
    #[error("invalid state at byte {offset}: {reason}")]
    Invalid {
        /// Where the value starts.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes follow the complete state.
    #[error("{extra} unexpected bytes after the state at byte {offset}")]
    TrailingBytes {
        /// Where the state ended.
        offset: usize,
        /// How many bytes follow.
        extra: usize,
    },
    /// A stored item's WBXML does not decode (decoding), or eas-codec failed to write an
    /// item (encoding).
    #[error("stored item at byte {offset}: {source}")]
    Item {
        /// Where the item's WBXML starts (encoding: the output length when it failed).
        offset: usize,
        /// eas-codec's error.
        source: CodecError,
    },
    /// An item holds elements that no single protocol version has together, so no WBXML
    /// form keeps all of it.
    #[error("a stored item of class {class} mixes elements of incompatible protocol versions")]
    Unrepresentable {
        /// The item's class.
        class: &'static str,
    },
}

/// Encode a device's state for the store. Fails only for an item that cannot be stored
/// whole (see [`StateCodecError::Unrepresentable`]).
pub fn encode(state: &DeviceState) -> Result<Vec<u8>, StateCodecError> {
    let mut out = Vec::with_capacity(256);
    out.push(FORMAT_VERSION);
    state.put(&mut out)?;
    Ok(out)
}

/// Decode a state written by [`encode`]. Any other input gives an error, never a panic: the
/// caller then treats the device as new, and it resyncs.
pub fn decode(bytes: &[u8]) -> Result<DeviceState, StateCodecError> {
    let Some(&version) = bytes.first() else {
        return Err(StateCodecError::Truncated { offset: 0 });
    };
    if version != FORMAT_VERSION {
        return Err(StateCodecError::UnknownFormat {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let mut r = Input { bytes, pos: 1 };
    let state = DeviceState::get(&mut r)?;
    if r.pos != bytes.len() {
        return Err(StateCodecError::TrailingBytes {
            offset: r.pos,
            extra: bytes.len() - r.pos,
        });
    }
    Ok(state)
}

// ---- Primitives ----

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// The encoded state being read.
struct Input<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn invalid(&self, at: usize, reason: &'static str) -> StateCodecError {
        StateCodecError::Invalid { offset: at, reason }
    }

    fn byte(&mut self) -> Result<u8, StateCodecError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or(StateCodecError::Truncated { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, StateCodecError> {
        let at = self.pos;
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7F);
            // The tenth byte may only hold the top bit of a u64.
            if shift == 63 && bits > 1 {
                return Err(self.invalid(at, "varint overflows 64 bits"));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.invalid(at, "varint longer than 10 bytes"))
    }

    /// A length or count, which the remaining input must be able to back: every element and
    /// every byte takes at least one byte, so a larger number is a truncation or corruption.
    fn count(&mut self) -> Result<usize, StateCodecError> {
        let at = self.pos;
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(StateCodecError::Truncated { offset: at }),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], StateCodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(StateCodecError::Truncated { offset: self.pos })?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or(StateCodecError::Truncated { offset: self.pos })?;
        self.pos = end;
        Ok(s)
    }

    fn bytes(&mut self) -> Result<&'a [u8], StateCodecError> {
        let n = self.count()?;
        self.take(n)
    }

    fn str(&mut self) -> Result<&'a str, StateCodecError> {
        let at = self.pos;
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| self.invalid(at, "string is not UTF-8"))
    }
}

/// A value with a byte form.
trait Field: Sized {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError>;
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError>;
}

impl Field for u8 {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        out.push(*self);
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        r.byte()
    }
}

impl Field for u32 {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_varint(out, u64::from(*self));
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        u32::try_from(r.varint()?).map_err(|_| r.invalid(at, "number exceeds 32 bits"))
    }
}

impl Field for u64 {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_varint(out, *self);
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        r.varint()
    }
}

impl Field for bool {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        out.push(u8::from(*self));
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.invalid(at, "boolean is neither 0 nor 1")),
        }
    }
}

impl Field for String {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_bytes(out, self.as_bytes());
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        r.str().map(str::to_owned)
    }
}

impl Field for CompactString {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_bytes(out, self.as_bytes());
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        r.str().map(CompactString::from)
    }
}

impl Field for CollectionId {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        self.0.put(out)
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        String::get(r).map(CollectionId)
    }
}

impl Field for ItemId {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        self.0.put(out)
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        String::get(r).map(ItemId)
    }
}

impl Field for SyncKey {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        self.0.put(out)
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        u64::get(r).map(SyncKey)
    }
}

impl Field for ChangeToken {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        self.0.put(out)
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        u64::get(r).map(ChangeToken)
    }
}

impl Field for DateTime<Utc> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        let secs = self.timestamp();
        // Zigzag, so dates before 1970 stay short too.
        put_varint(out, ((secs << 1) ^ (secs >> 63)) as u64);
        put_varint(out, u64::from(self.timestamp_subsec_nanos()));
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        let z = r.varint()?;
        let secs = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let nanos = u32::get(r)?;
        DateTime::from_timestamp(secs, nanos).ok_or(r.invalid(at, "time out of range"))
    }
}

impl<T: Field> Field for Option<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out)?;
            }
        }
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        match r.byte()? {
            0 => Ok(None),
            1 => T::get(r).map(Some),
            _ => Err(r.invalid(at, "option tag is neither 0 nor 1")),
        }
    }
}

impl<A: Field, B: Field> Field for (A, B) {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        self.0.put(out)?;
        self.1.put(out)
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        Ok((A::get(r)?, B::get(r)?))
    }
}

fn put_seq<'a, T: Field + 'a>(
    out: &mut Vec<u8>,
    items: impl ExactSizeIterator<Item = &'a T>,
) -> Result<(), StateCodecError> {
    put_varint(out, items.len() as u64);
    for item in items {
        item.put(out)?;
    }
    Ok(())
}

fn get_seq<T: Field>(r: &mut Input<'_>) -> Result<Vec<T>, StateCodecError> {
    let n = r.count()?;
    // `count` bounded `n` by the remaining input, so this reserves no more than that.
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(T::get(r)?);
    }
    Ok(v)
}

impl<T: Field> Field for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_seq(out, self.iter())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        get_seq(r)
    }
}

impl<T: Field> Field for VecDeque<T> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_seq(out, self.iter())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        get_seq(r).map(VecDeque::from)
    }
}

// ---- Id sets ----

/// A string-like key of a sorted set or map, written with the id-set coding.
trait IdKey: Ord + Sized {
    fn key(&self) -> &str;
    fn from_key(s: String) -> Self;
}

impl IdKey for String {
    fn key(&self) -> &str {
        self
    }
    fn from_key(s: String) -> Self {
        s
    }
}

impl IdKey for ItemId {
    fn key(&self) -> &str {
        &self.0
    }
    fn from_key(s: String) -> Self {
        ItemId(s)
    }
}

impl IdKey for CollectionId {
    fn key(&self) -> &str {
        &self.0
    }
    fn from_key(s: String) -> Self {
        CollectionId(s)
    }
}

/// The number `s` spells, if it is the canonical decimal form of a u64 (no sign, no leading
/// zero, no spaces), so that `n.to_string()` gives `s` back.
fn canonical_decimal(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 1 && b.first() == Some(&b'0') {
        return None;
    }
    s.parse().ok()
}

/// Write `keys` (distinct, in sorted order) and return the order, as indices into `keys`, in
/// which the caller must write whatever goes with each key.
fn put_keys(out: &mut Vec<u8>, keys: &[&str]) -> Vec<usize> {
    let numbers: Option<Vec<(u64, usize)>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| canonical_decimal(k).map(|n| (n, i)))
        .collect();
    if let Some(mut numbers) = numbers {
        out.push(IDS_DECIMAL);
        put_varint(out, numbers.len() as u64);
        // Numeric order differs from the string order ("10" < "9"), hence the sort.
        numbers.sort_unstable();
        let mut prev: Option<u64> = None;
        for &(n, _) in &numbers {
            // Distinct and ascending: the gap minus one, so consecutive ids cost one byte.
            put_varint(out, prev.map_or(n, |p| n.wrapping_sub(p).wrapping_sub(1)));
            prev = Some(n);
        }
        return numbers.into_iter().map(|(_, i)| i).collect();
    }
    out.push(IDS_FRONT_CODED);
    put_varint(out, keys.len() as u64);
    let mut prev: &[u8] = &[];
    for (i, k) in keys.iter().enumerate() {
        let k = k.as_bytes();
        let shared = if i % RESTART_INTERVAL == 0 {
            0
        } else {
            prev.iter().zip(k).take_while(|(a, b)| a == b).count()
        };
        put_varint(out, shared as u64);
        put_bytes(out, k.get(shared..).unwrap_or_default());
        prev = k;
    }
    (0..keys.len()).collect()
}

/// Read keys written by [`put_keys`], in the order they were written.
fn get_keys(r: &mut Input<'_>) -> Result<Vec<String>, StateCodecError> {
    let at = r.pos;
    let mode = r.byte()?;
    let n = r.count()?;
    let mut keys = Vec::with_capacity(n);
    match mode {
        IDS_DECIMAL => {
            let mut prev: Option<u64> = None;
            for _ in 0..n {
                let gap_at = r.pos;
                let v = r.varint()?;
                let id = match prev {
                    None => Some(v),
                    Some(p) => p.checked_add(v).and_then(|x| x.checked_add(1)),
                }
                .ok_or(r.invalid(gap_at, "id gap overflows 64 bits"))?;
                keys.push(id.to_string());
                prev = Some(id);
            }
        }
        IDS_FRONT_CODED => {
            let mut prev: Vec<u8> = Vec::new();
            for i in 0..n {
                let key_at = r.pos;
                let shared = r.varint()?;
                let shared = usize::try_from(shared)
                    .ok()
                    .filter(|&s| s <= prev.len() && (s == 0 || i % RESTART_INTERVAL != 0))
                    .ok_or(r.invalid(key_at, "shared prefix longer than the previous id"))?;
                let suffix = r.bytes()?;
                prev.truncate(shared);
                prev.extend_from_slice(suffix);
                let key = String::from_utf8(prev.clone())
                    .map_err(|_| r.invalid(key_at, "id is not UTF-8"))?;
                keys.push(key);
            }
        }
        _ => return Err(r.invalid(at, "unknown id-set mode")),
    }
    Ok(keys)
}

impl<K: IdKey> Field for BTreeSet<K> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        let keys: Vec<&str> = self.iter().map(IdKey::key).collect();
        put_keys(out, &keys);
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        Ok(get_keys(r)?.into_iter().map(K::from_key).collect())
    }
}

impl<K: IdKey, V: Field> Field for BTreeMap<K, V> {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        let entries: Vec<(&K, &V)> = self.iter().collect();
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.key()).collect();
        for i in put_keys(out, &keys) {
            if let Some((_, v)) = entries.get(i) {
                v.put(out)?;
            }
        }
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let keys = get_keys(r)?;
        let mut entries = Vec::with_capacity(keys.len());
        for k in keys {
            entries.push((K::from_key(k), V::get(r)?));
        }
        Ok(entries.into_iter().collect())
    }
}

// ---- Wire leaf types ----

impl Field for Empty {
    // Presence alone is the information; it only occurs inside an `Option`.
    fn put(&self, _: &mut Vec<u8>) -> Result<(), StateCodecError> {
        Ok(())
    }
    fn get(_: &mut Input<'_>) -> Result<Self, StateCodecError> {
        Ok(Empty)
    }
}

impl Field for Toggle {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        out.push(match self {
            Toggle::Present => 0,
            Toggle::Value(false) => 1,
            Toggle::Value(true) => 2,
        });
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        match r.byte()? {
            0 => Ok(Toggle::Present),
            1 => Ok(Toggle::Value(false)),
            2 => Ok(Toggle::Value(true)),
            _ => Err(r.invalid(at, "unknown toggle form")),
        }
    }
}

impl Field for TagList {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        put_varint(out, self.0.len() as u64);
        for t in &self.0 {
            out.push(t.page);
            out.push(t.token);
        }
        Ok(())
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let n = r.count()?;
        let mut tags = Vec::with_capacity(n);
        for _ in 0..n {
            let page = r.byte()?;
            tags.push(Tag::new(page, r.byte()?));
        }
        Ok(TagList(tags))
    }
}

/// Status enums as their numeric codes (an unlisted code comes back as `Other`).
macro_rules! status_field {
    ($($ty:ty),* $(,)?) => {$(
        impl Field for $ty {
            fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
                self.code().put(out)
            }
            fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
                u32::get(r).map(<$ty>::from_code)
            }
        }
    )*};
}

status_field!(
    FolderSyncStatus,
    FolderCreateStatus,
    FolderUpdateStatus,
    FolderDeleteStatus,
    SyncStatus,
);

const CLASSES: [Class; 5] = [
    Class::Email,
    Class::Calendar,
    Class::Contacts,
    Class::Tasks,
    Class::Notes,
];

/// The decode options for a stored item: the recorded version, no version filtering (the
/// item was written for that version), the class as the hint for an item whose elements do
/// not tell it, and bounds no larger than the stored bytes can reach anyway.
fn item_options(version: ProtocolVersion, class: Class, len: usize) -> DecodeOptions {
    let mut opts = DecodeOptions::new(version);
    opts.strict_versions = false;
    opts.class_hint = Some(class);
    opts.max_repeat = len.max(1);
    opts.limits.max_document_len = len.max(opts.limits.max_document_len);
    opts.limits.max_string_len = len.max(opts.limits.max_string_len);
    opts.limits.max_tokens = len.max(opts.limits.max_tokens);
    opts
}

impl Field for ApplicationData {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        let class = self.class();
        let class_index = CLASSES.iter().position(|c| *c == class).unwrap_or(0);
        for version in ITEM_VERSIONS {
            let wbxml = codec::encode(self, version).map_err(|source| StateCodecError::Item {
                offset: out.len(),
                source,
            })?;
            let opts = item_options(version, class, wbxml.len());
            if codec::decode::<ApplicationData>(&wbxml, opts).as_ref() == Ok(self) {
                out.push(class_index as u8);
                let version_index = ProtocolVersion::ALL
                    .iter()
                    .position(|v| *v == version)
                    .unwrap_or(0);
                out.push(version_index as u8);
                put_bytes(out, &wbxml);
                return Ok(());
            }
        }
        Err(StateCodecError::Unrepresentable {
            class: class.as_str(),
        })
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        let class = *CLASSES
            .get(usize::from(r.byte()?))
            .ok_or(r.invalid(at, "unknown item class"))?;
        let version = *ProtocolVersion::ALL
            .get(usize::from(r.byte()?))
            .ok_or(r.invalid(at + 1, "unknown protocol version"))?;
        let wbxml = r.bytes()?;
        let item_at = r.pos - wbxml.len();
        let item =
            codec::decode::<ApplicationData>(wbxml, item_options(version, class, wbxml.len()))
                .map_err(|source| StateCodecError::Item {
                    offset: item_at,
                    source,
                })?;
        if item.class() != class {
            return Err(r.invalid(at, "stored item is not of its recorded class"));
        }
        Ok(item)
    }
}

// ---- Structs and choices ----

/// A struct as its fields in declaration order. The exhaustive destructuring makes a new
/// field a build error here.
macro_rules! record {
    ($($ty:ident { $($f:ident),* $(,)? })*) => {$(
        impl Field for $ty {
            fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
                let $ty { $($f),* } = self;
                $( $f.put(out)?; )*
                Ok(())
            }
            fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
                $( let $f = Field::get(r)?; )*
                Ok($ty { $($f),* })
            }
        }
    )*};
}

/// A one-field-per-variant enum as a variant byte and the variant's value.
macro_rules! choice {
    ($($ty:ident { $($n:literal => $v:ident),* $(,)? })*) => {$(
        impl Field for $ty {
            fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
                match self {
                    $( $ty::$v(x) => { out.push($n); x.put(out) } )*
                }
            }
            fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
                let at = r.pos;
                match r.byte()? {
                    $( $n => Field::get(r).map($ty::$v), )*
                    _ => Err(r.invalid(at, concat!("unknown ", stringify!($ty), " variant"))),
                }
            }
        }
    )*};
}

record! {
    DeviceState { hierarchy, collections, last_sync_request, ping }
    HierarchyState { key, folders, last, last_command }
    FolderSnapshot { parent, name, folder_type }
    CollectionState {
        key, cursor, known, filter_type, client_ids, last, client_id_order, client_id_prints,
        options, echo, refilter, window_checked,
    }
    PingState { heartbeat, folders, generation }

    FolderSyncResponse { status, sync_key, changes }
    FolderChanges { count, changes }
    WireFolder { server_id, parent_id, display_name, folder_type }
    WireFolderDelete { server_id }
    FolderCreateRequest { sync_key, parent_id, display_name, folder_type }
    FolderCreateResponse { status, sync_key, server_id }
    FolderUpdateRequest { sync_key, server_id, parent_id, display_name }
    FolderUpdateResponse { status, sync_key }
    FolderDeleteRequest { sync_key, server_id }
    FolderDeleteResponse { status, sync_key }

    SyncRequest { collections, wait, heartbeat_interval, window_size, partial }
    SyncCollections { collections }
    SyncCollection {
        class, sync_key, collection_id, supported, deletes_as_moves, get_changes, window_size,
        conversation_mode, options, commands,
    }
    SyncOptions {
        class, filter_type, truncation, mime_support, mime_truncation, body_preference,
        body_part_preference, conflict, max_items, rights_management_support,
    }
    BodyPreference { body_type, truncation_size, all_or_none, preview }
    BodyPartPreference { body_type, truncation_size, all_or_none, preview }
    SyncRequestCommands { commands }
    ClientAdd { class, client_id, application_data }
    ItemChange { class, server_id, application_data }
    ItemDelete { class, server_id, instance_id }
    ItemFetch { server_id }
    SyncResponseCollection {
        class, sync_key, collection_id, status, more_available, commands, responses,
    }
    SyncResponseCommands { commands }
    ServerAdd { class, server_id, application_data }
    SyncResponses { responses }
    AddResponse { class, client_id, server_id, status }
    ChangeResponse { class, server_id, status }
    FetchResponse { server_id, status, application_data }
}

choice! {
    Refilter { 0 => Items, 1 => Known }
    FolderChange { 0 => Add, 1 => Update, 2 => Delete }
    SyncRequestCommand { 0 => Add, 1 => Change, 2 => Delete, 3 => Fetch }
    SyncResponseCommand { 0 => Add, 1 => Change, 2 => Delete, 3 => SoftDelete }
    SyncItemResponse { 0 => Add, 1 => Change, 2 => Delete, 3 => Fetch }
}

impl Field for FolderCommandReplay {
    fn put(&self, out: &mut Vec<u8>) -> Result<(), StateCodecError> {
        match self {
            FolderCommandReplay::Create(req, resp) => {
                out.push(0);
                req.put(out)?;
                resp.put(out)
            }
            FolderCommandReplay::Update(req, resp) => {
                out.push(1);
                req.put(out)?;
                resp.put(out)
            }
            FolderCommandReplay::Delete(req, resp) => {
                out.push(2);
                req.put(out)?;
                resp.put(out)
            }
        }
    }
    fn get(r: &mut Input<'_>) -> Result<Self, StateCodecError> {
        let at = r.pos;
        match r.byte()? {
            0 => Ok(FolderCommandReplay::Create(Field::get(r)?, Field::get(r)?)),
            1 => Ok(FolderCommandReplay::Update(Field::get(r)?, Field::get(r)?)),
            2 => Ok(FolderCommandReplay::Delete(Field::get(r)?, Field::get(r)?)),
            _ => Err(r.invalid(at, "unknown folder command")),
        }
    }
}
