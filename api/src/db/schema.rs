// @generated automatically by Diesel CLI.

diesel::table! {
    account_members (account_id, user_id) {
        account_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    accounts (id) {
        id -> Uuid,
        name -> Text,
        personal -> Bool,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    emails (id) {
        id -> Uuid,
        to_address -> Text,
        template -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        transport -> Text,
        provider_id -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    entitlements (key) {
        key -> Text,
        label -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Text,
        payload -> Jsonb,
        unique_key -> Nullable<Text>,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_by -> Nullable<Uuid>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Uuid,
        purpose -> Text,
        user_id -> Nullable<Uuid>,
        address -> Text,
        secret_hash -> Bytea,
        attempts -> Int4,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    prices (id) {
        id -> Uuid,
        product_id -> Uuid,
        billing_period -> Text,
        amount_minor -> Int8,
        currency -> Text,
        active -> Bool,
        stripe_price_id -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    product_entitlements (product_id, entitlement_key) {
        product_id -> Uuid,
        entitlement_key -> Text,
    }
}

diesel::table! {
    products (id) {
        id -> Uuid,
        slug -> Text,
        name -> Text,
        description -> Text,
        kind -> Text,
        pricing_page -> Text,
        display_order -> Int4,
        parent_product_id -> Nullable<Uuid>,
        needs_instance -> Bool,
        active -> Bool,
        stripe_product_id -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        account_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        replaced_by -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        private_pkcs8 -> Bytea,
        public_key -> Bytea,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        username -> Text,
        password_hash -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        deactivated_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(account_members -> accounts (account_id));
diesel::joinable!(account_members -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(prices -> products (product_id));
diesel::joinable!(product_entitlements -> entitlements (entitlement_key));
diesel::joinable!(product_entitlements -> products (product_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_members,
    accounts,
    emails,
    entitlements,
    jobs,
    one_time_tokens,
    prices,
    product_entitlements,
    products,
    refresh_tokens,
    signing_keys,
    users,
);
