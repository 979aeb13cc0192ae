//! Id newtypes: a product id can never be passed where a price id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A catalog product (plan, add-on or storage add-on).
    ProductId
);
id_type!(
    /// One price of a product (a billing period and an amount).
    PriceId
);
id_type!(
    /// A person who signs in.
    UserId
);
id_type!(
    /// A tenant: owns subscriptions; users are its members.
    AccountId
);
id_type!(
    /// A running copy of a product (a hosted Nextcloud, say) that users get seats on.
    InstanceId
);
id_type!(
    /// A purchase or change of an account's subscription, and its fulfilment.
    OrderId
);
