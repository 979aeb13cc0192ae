DROP TABLE product_entitlements; DROP TABLE prices; DROP TABLE products;
