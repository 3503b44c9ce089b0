<?php
/**
 * A shared link that is revoked, expired or unknown. Variables: $expired.
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;
?><!DOCTYPE html>
<html <?php language_attributes(); ?>><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title><?php esc_html_e( 'This link is not available', 'senw-crm' ); ?></title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1.25rem;color:#1d2327;max-width:32rem}h1{font-size:1.4rem}</style></head>
<body><main class="senw-share-gone"><h1><?php esc_html_e( 'This link is not available', 'senw-crm' ); ?></h1>
<p><?php echo $expired ? esc_html__( 'It has expired or was turned off by your agent. Ask them for a new one.', 'senw-crm' ) : esc_html__( 'Check that you copied the whole link, or ask your agent for a new one.', 'senw-crm' ); ?></p>
<p><a href="<?php echo esc_url( home_url( '/' ) ); ?>"><?php esc_html_e( 'Browse all listings', 'senw-crm' ); ?></a></p></main></body></html>
