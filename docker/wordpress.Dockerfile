# WordPress under php-fpm with the CRM plugin. WordPress itself comes from the
# official image; the plugin is copied in (no build step at run time).
FROM wordpress:6.1-php8.2-fpm
COPY wp-plugin /usr/src/wordpress/wp-content/plugins/senw-crm
