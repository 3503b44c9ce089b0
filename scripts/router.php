<?php
// Router for PHP's built-in server: serve real files, send the rest to
// WordPress's front controller (pretty permalinks and /wp-json/).
$senw_path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
$senw_file = $_SERVER['DOCUMENT_ROOT'] . $senw_path;
if ( '/' !== $senw_path && file_exists( $senw_file ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
