//! Names for the things a sync is about. They are strings on the wire; the newtypes keep a
//! collection id from being passed where an item id belongs.

use std::fmt;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub String);

        impl $name {
            /// The id as the wire carries it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A device, as the `DeviceId` query parameter names it.
    DeviceId
);
id_type!(
    /// A folder's server id (`CollectionId`, `ServerId` in FolderSync).
    CollectionId
);
id_type!(
    /// An item's server id within its folder (`ServerId` in Sync).
    ItemId
);
