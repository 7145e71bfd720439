//! Status codes as enums that carry their meaning.

/// Declare a status enum: each known code with its name and Microsoft's meaning, plus
/// `Other(u32)` so that a code from a newer server or client is kept, not lost.
#[macro_export]
macro_rules! status_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $code:literal => $variant:ident : $meaning:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        $vis enum $name {
            $( #[doc = $meaning] $variant, )*
            /// A code this table does not list, kept as sent.
            Other(u32),
        }

        impl $name {
            /// The numeric code.
            pub fn code(self) -> u32 {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Other(c) => c,
                }
            }

            /// The status for a numeric code.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    c => $name::Other(c),
                }
            }

            /// Microsoft's description of the code.
            pub fn meaning(self) -> &'static str {
                match self {
                    $( $name::$variant => $meaning, )*
                    $name::Other(_) => "A status code not listed by the specification.",
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::from_code(1)
            }
        }

        impl $crate::codec::Value for $name {
            fn decode(
                d: &mut $crate::codec::Decoder<'_>,
                tag: $crate::Tag,
            ) -> Result<Self, $crate::CodecError> {
                <u32 as $crate::codec::Value>::decode(d, tag).map($name::from_code)
            }
            fn encode<S: eas_wbxml::Sink>(
                &self,
                e: &mut $crate::codec::Encoder<S>,
                tag: $crate::Tag,
            ) -> Result<(), $crate::CodecError> {
                <u32 as $crate::codec::Value>::encode(&self.code(), e, tag)
            }
        }
    };
}
