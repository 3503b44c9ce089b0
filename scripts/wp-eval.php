<?php
/**
 * Loads the local WordPress (environment as for PHP's server) and runs the PHP
 * code given on standard input. For tests and scripts: seeding users, making
 * application passwords. Not reachable over HTTP (CLI only).
 */
if ( 'cli' !== PHP_SAPI ) {
	exit( 1 );
}
$_SERVER['HTTP_HOST']   = parse_url( getenv( 'SENW_WP_URL' ) ?: 'http://127.0.0.1:8080', PHP_URL_HOST );
$_SERVER['REQUEST_URI'] = '/';
require dirname( __DIR__ ) . '/.wp/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$senw_code = stream_get_contents( STDIN );
$senw_code = preg_replace( '/^\s*<\?php/', '', $senw_code );
eval( $senw_code ); // phpcs:ignore Squiz.PHP.Eval -- CLI-only helper.
