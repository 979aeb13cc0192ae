DROP TABLE product_entitlements; DROP TABLE entitlements; DROP TABLE prices; DROP TABLE products;
