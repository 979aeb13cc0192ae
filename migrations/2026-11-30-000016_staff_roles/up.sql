-- Staff roles: what each staff member may do in the admin area (per area, see
-- api/src/admin/roles.rs). Everyone who was staff before keeps full rights.
ALTER TABLE users ADD COLUMN staff_role TEXT
    CHECK (staff_role IN ('support', 'billing', 'admin'));
UPDATE users SET staff_role = 'admin' WHERE is_staff;
ALTER TABLE users ADD CONSTRAINT users_staff_has_a_role
    CHECK (is_staff = (staff_role IS NOT NULL));
