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
    account_status_changes (id) {
        id -> Int8,
        account_id -> Uuid,
        from_status -> Text,
        to_status -> Text,
        actor -> Text,
        actor_user_id -> Nullable<Uuid>,
        reason -> Text,
        at -> Timestamptz,
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
        stripe_customer_id -> Nullable<Text>,
        past_due_since -> Nullable<Timestamptz>,
        purged_at -> Nullable<Timestamptz>,
        held_at -> Nullable<Timestamptz>,
        held_reason -> Nullable<Text>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        account_id -> Uuid,
        created_by -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Nullable<Text>>,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        actor_kind -> Text,
        actor_user_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    bank_transfers (id) {
        id -> Uuid,
        account_id -> Uuid,
        reference -> Text,
        amount_minor -> Int8,
        currency -> Text,
        payer -> Text,
        plan_period_id -> Uuid,
        confirmed_by -> Uuid,
        confirmed_at -> Timestamptz,
    }
}

diesel::table! {
    credit_transactions (id) {
        id -> Int8,
        account_id -> Uuid,
        kind -> Text,
        amount -> Int8,
        balance_after -> Int8,
        idempotency_key -> Nullable<Text>,
        description -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
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
    instance_connectors (instance_id) {
        instance_id -> Uuid,
        kind -> Text,
        url -> Text,
        group_name -> Nullable<Text>,
        secret -> Nullable<Text>,
        token -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    instances (id) {
        id -> Uuid,
        product_id -> Uuid,
        name -> Text,
        base_url -> Text,
        active -> Bool,
        auto_allocate -> Bool,
        soft_cap -> Int4,
        allocation_cap -> Int4,
        hard_cap -> Int4,
        allocated_seats -> Int4,
        soft_cap_alerted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        account_id -> Uuid,
        email -> Text,
        role -> Text,
        token_hash -> Bytea,
        invited_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
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
    mfa_recovery_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    oauth_identities (provider, subject) {
        provider -> Text,
        subject -> Text,
        user_id -> Uuid,
        email -> Text,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Bytea,
        provider -> Text,
        code_verifier -> Text,
        next_path -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    onboarding_checkouts (stripe_session_id) {
        stripe_session_id -> Text,
        onboarding_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    onboardings (id) {
        id -> Uuid,
        email -> Text,
        username -> Text,
        first_name -> Text,
        last_name -> Text,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        user_id -> Nullable<Uuid>,
        account_id -> Nullable<Uuid>,
        new_user -> Bool,
        provisioned_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
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
    orders (id) {
        id -> Uuid,
        account_id -> Uuid,
        source -> Text,
        stripe_subscription_id -> Nullable<Text>,
        state -> Text,
        attempts -> Int4,
        log -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    payments (id) {
        id -> Uuid,
        account_id -> Uuid,
        stripe_invoice_id -> Text,
        stripe_subscription_id -> Nullable<Text>,
        amount_due_minor -> Int8,
        amount_paid_minor -> Int8,
        currency -> Text,
        status -> Text,
        hosted_invoice_url -> Nullable<Text>,
        period_start -> Nullable<Timestamptz>,
        period_end -> Nullable<Timestamptz>,
        created -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    plan_periods (id) {
        id -> Uuid,
        account_id -> Uuid,
        product_id -> Uuid,
        source -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        reminded_at -> Nullable<Timestamptz>,
        settled_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    plan_terms (product_id) {
        product_id -> Uuid,
        monthly_credits -> Int8,
        overage_limit -> Int8,
        trial_days -> Int4,
        trial_credits -> Int8,
        updated_at -> Timestamptz,
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
        stripe_archived -> Bool,
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
        mfa -> Bool,
    }
}

diesel::table! {
    seats (id) {
        id -> Uuid,
        instance_id -> Uuid,
        product_id -> Uuid,
        user_id -> Uuid,
        account_id -> Uuid,
        placed_by -> Text,
        placed_at -> Timestamptz,
        released_at -> Nullable<Timestamptz>,
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
    stripe_events (id) {
        id -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        livemode -> Bool,
        api_version -> Nullable<Text>,
        created -> Timestamptz,
        object_id -> Nullable<Text>,
        subject_id -> Nullable<Text>,
        payload -> Jsonb,
        status -> Text,
        last_error -> Nullable<Text>,
        received_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    subscription_items (id) {
        id -> Uuid,
        subscription_id -> Uuid,
        stripe_item_id -> Text,
        price_id -> Nullable<Uuid>,
        stripe_price_id -> Text,
        quantity -> Int4,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Uuid,
        account_id -> Uuid,
        stripe_subscription_id -> Text,
        stripe_customer_id -> Text,
        status -> Text,
        current_period_start -> Nullable<Timestamptz>,
        current_period_end -> Nullable<Timestamptz>,
        cancel_at_period_end -> Bool,
        canceled_at -> Nullable<Timestamptz>,
        ended_at -> Nullable<Timestamptz>,
        trial_end -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        latest_invoice_id -> Nullable<Text>,
    }
}

diesel::table! {
    ticket_messages (id) {
        id -> Int8,
        ticket_id -> Uuid,
        author_user_id -> Uuid,
        from_staff -> Bool,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tickets (id) {
        id -> Uuid,
        user_id -> Uuid,
        account_id -> Uuid,
        subject -> Text,
        priority -> Text,
        status -> Text,
        order_id -> Nullable<Uuid>,
        stripe_subscription_id -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    totp_credentials (user_id) {
        user_id -> Uuid,
        secret -> Bytea,
        confirmed_at -> Nullable<Timestamptz>,
        last_step -> Nullable<Int8>,
        created_at -> Timestamptz,
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
        is_staff -> Bool,
        preferences -> Jsonb,
        staff_role -> Nullable<Text>,
        mfa_enabled -> Bool,
        sign_in_providers -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    waitlist (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        product_slug -> Nullable<Text>,
        created_at -> Timestamptz,
        invited_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(account_members -> accounts (account_id));
diesel::joinable!(account_members -> users (user_id));
diesel::joinable!(account_status_changes -> accounts (account_id));
diesel::joinable!(account_status_changes -> users (actor_user_id));
diesel::joinable!(api_keys -> accounts (account_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(bank_transfers -> accounts (account_id));
diesel::joinable!(bank_transfers -> plan_periods (plan_period_id));
diesel::joinable!(bank_transfers -> users (confirmed_by));
diesel::joinable!(credit_transactions -> accounts (account_id));
diesel::joinable!(credit_transactions -> users (created_by));
diesel::joinable!(instance_connectors -> instances (instance_id));
diesel::joinable!(instances -> products (product_id));
diesel::joinable!(invitations -> accounts (account_id));
diesel::joinable!(mfa_recovery_codes -> users (user_id));
diesel::joinable!(oauth_identities -> users (user_id));
diesel::joinable!(onboarding_checkouts -> onboardings (onboarding_id));
diesel::joinable!(onboardings -> accounts (account_id));
diesel::joinable!(onboardings -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(orders -> accounts (account_id));
diesel::joinable!(payments -> accounts (account_id));
diesel::joinable!(plan_periods -> accounts (account_id));
diesel::joinable!(plan_periods -> products (product_id));
diesel::joinable!(plan_periods -> users (created_by));
diesel::joinable!(plan_terms -> products (product_id));
diesel::joinable!(prices -> products (product_id));
diesel::joinable!(product_entitlements -> entitlements (entitlement_key));
diesel::joinable!(product_entitlements -> products (product_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(seats -> accounts (account_id));
diesel::joinable!(seats -> instances (instance_id));
diesel::joinable!(seats -> products (product_id));
diesel::joinable!(seats -> users (user_id));
diesel::joinable!(subscription_items -> prices (price_id));
diesel::joinable!(subscription_items -> subscriptions (subscription_id));
diesel::joinable!(subscriptions -> accounts (account_id));
diesel::joinable!(ticket_messages -> tickets (ticket_id));
diesel::joinable!(ticket_messages -> users (author_user_id));
diesel::joinable!(tickets -> accounts (account_id));
diesel::joinable!(tickets -> orders (order_id));
diesel::joinable!(tickets -> users (user_id));
diesel::joinable!(totp_credentials -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_members,
    account_status_changes,
    accounts,
    api_keys,
    audit_log,
    bank_transfers,
    credit_transactions,
    emails,
    entitlements,
    instance_connectors,
    instances,
    invitations,
    jobs,
    mfa_recovery_codes,
    oauth_identities,
    oauth_states,
    onboarding_checkouts,
    onboardings,
    one_time_tokens,
    orders,
    payments,
    plan_periods,
    plan_terms,
    prices,
    product_entitlements,
    products,
    refresh_tokens,
    seats,
    signing_keys,
    stripe_events,
    subscription_items,
    subscriptions,
    ticket_messages,
    tickets,
    totp_credentials,
    users,
    waitlist,
);
