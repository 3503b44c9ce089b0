<?php
/**
 * Installs the local WordPress site into the database named by SENW_DB_NAME and
 * activates the SENW CRM plugin. Run by sidecar.devstack with the same
 * environment PHP's server gets. Idempotent: an installed site is left as is,
 * and the plugin is (re)activated.
 *
 * Options (env): SENW_ADMIN_USER, SENW_ADMIN_PASSWORD, SENW_ADMIN_EMAIL,
 * SENW_DEMO_USERS=1 to create one demo user per CRM role (password in
 * SENW_DEMO_PASSWORD), SENW_BROKERAGE_NAME (the site's name on a new install).
 *
 * The public site is set up as a brokerage's: its name, a home page with the
 * listing search, a menu (Listings, Contact), and none of WordPress's sample
 * content.
 */
if ( 'cli' !== PHP_SAPI ) {
	exit( 1 );
}
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST']   = parse_url( getenv( 'SENW_WP_URL' ) ?: 'http://127.0.0.1:8080', PHP_URL_HOST );
$_SERVER['REQUEST_URI'] = '/';
require dirname( __DIR__ ) . '/.wp/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

$admin_user = getenv( 'SENW_ADMIN_USER' ) ?: 'admin';
$admin_pass = getenv( 'SENW_ADMIN_PASSWORD' ) ?: 'admin';
$admin_mail = getenv( 'SENW_ADMIN_EMAIL' ) ?: 'admin@example.com';

if ( ! is_blog_installed() ) {
	$result = wp_install( getenv( 'SENW_BROKERAGE_NAME' ) ?: 'SENW Realty', $admin_user, $admin_mail, true, '', wp_slash( $admin_pass ) );
	if ( is_wp_error( $result ) ) {
		fwrite( STDERR, $result->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "installed WordPress\n";
}
update_option( 'permalink_structure', '/%postname%/' );
update_option( 'blog_public', '0' );
flush_rewrite_rules( false );

$activated = activate_plugin( 'senw-crm/senw-crm.php' );
if ( is_wp_error( $activated ) ) {
	fwrite( STDERR, 'plugin activation failed: ' . $activated->get_error_message() . "\n" );
	exit( 1 );
}
// WP_INSTALLING keeps WordPress from loading active plugins, and activating an
// already active plugin does not include it: load it for the steps below.
include_once WP_PLUGIN_DIR . '/senw-crm/senw-crm.php';
SENW_CRM_Roles::add_roles();
echo "plugin active\n";

// The admin is also a CRM admin.
$admin = get_user_by( 'login', $admin_user );
if ( $admin ) {
	$admin->add_role( 'senw_crm_admin' );
}

if ( getenv( 'SENW_DEMO_USERS' ) ) {
	$pass  = getenv( 'SENW_DEMO_PASSWORD' ) ?: 'demo';
	$users = array(
		array( 'agent1', 'Avery', 'Agent', 'senw_agent' ),
		array( 'agent2', 'Blake', 'Agent', 'senw_agent' ),
		array( 'agent3', 'Casey', 'Agent', 'senw_agent' ),
		array( 'teamlead', 'Taylor', 'Lead', 'senw_team_lead' ),
		array( 'manager', 'Morgan', 'Manager', 'senw_manager' ),
		array( 'crmadmin', 'Riley', 'Admin', 'senw_crm_admin' ),
	);
	$ids = array();
	foreach ( $users as $u ) {
		$id = username_exists( $u[0] );
		if ( ! $id ) {
			$id = wp_insert_user(
				array(
					'user_login' => $u[0],
					'user_pass'  => $pass,
					'user_email' => $u[0] . '@example.com',
					'first_name' => $u[1],
					'last_name'  => $u[2],
					'display_name' => $u[1] . ' ' . $u[2],
					'role'       => $u[3],
				)
			);
			if ( is_wp_error( $id ) ) {
				fwrite( STDERR, $id->get_error_message() . "\n" );
				exit( 1 );
			}
		}
		$ids[ $u[0] ] = (int) $id;
	}
	// Demo agents get mobile numbers (+15035550101...) and team North (teamlead: agent1, agent2).
	foreach ( array( 'agent1', 'agent2', 'agent3' ) as $n => $login ) {
		if ( ! get_user_meta( $ids[ $login ], 'senw_mobile_phone', true ) ) {
			update_user_meta( $ids[ $login ], 'senw_mobile_phone', '+1503555010' . ( $n + 1 ) );
		}
	}
	SENW_CRM_Agents::sync_all();
	SENW_CRM_Agents::ensure_team( 'North', $ids['teamlead'], array( $ids['agent1'], $ids['agent2'] ) );
	echo 'demo users: ' . wp_json_encode( $ids ) . "\n";
}

// The public lead form lives on /contact/.
if ( ! get_page_by_path( 'contact' ) ) {
	$contact = wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_title'   => 'Contact',
			'post_name'    => 'contact',
			'post_content' => '[senw_lead_form]',
			'post_author'  => $admin ? $admin->ID : 1,
		),
		true
	);
	if ( is_wp_error( $contact ) ) {
		fwrite( STDERR, 'contact page: ' . $contact->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "contact page created\n";
}

// The public listing search lives on /listings/ (a listing: /listings/?listing=KEY).
if ( ! get_page_by_path( 'listings' ) ) {
	$listings = wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_title'   => 'Listings',
			'post_name'    => 'listings',
			'post_content' => '[senw_listing_search]',
			'post_author'  => $admin ? $admin->ID : 1,
		),
		true
	);
	if ( is_wp_error( $listings ) ) {
		fwrite( STDERR, 'listings page: ' . $listings->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "listings page created\n";
}

// The site reads as the brokerage's: name and tagline, no sample content.
$brokerage = get_option( 'senw_crm_brokerage_name', '' );
if ( '' === $brokerage ) {
	update_option( 'senw_crm_brokerage_name', get_option( 'blogname' ) );
}
if ( in_array( get_option( 'blogdescription' ), array( '', 'Just another WordPress site' ), true ) ) {
	update_option( 'blogdescription', 'Homes for sale and for lease' );
}
foreach ( array( array( 'hello-world', 'post' ), array( 'sample-page', 'page' ) ) as $senw_sample ) {
	$senw_found = get_page_by_path( $senw_sample[0], OBJECT, $senw_sample[1] );
	if ( $senw_found ) {
		wp_delete_post( $senw_found->ID, true );
		echo "removed sample {$senw_sample[1]} {$senw_sample[0]}\n";
	}
}
foreach ( get_comments( array( 'author_email' => 'wapuu@wordpress.example' ) ) as $senw_comment ) {
	wp_delete_comment( $senw_comment->comment_ID, true );
}

// The home page is the listing search.
$senw_home = get_page_by_path( 'home' );
if ( ! $senw_home ) {
	$senw_home_id = wp_insert_post(
		array(
			'post_type'    => 'page',
			'post_status'  => 'publish',
			'post_title'   => 'Find your next home',
			'post_name'    => 'home',
			'post_content' => "<!-- wp:paragraph -->\n<p>Search every listing in the MLS, updated through the day. Save a search to hear about new homes and price drops first.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:shortcode -->\n[senw_listing_search]\n<!-- /wp:shortcode -->",
			'post_author'  => $admin ? $admin->ID : 1,
		),
		true
	);
	if ( is_wp_error( $senw_home_id ) ) {
		fwrite( STDERR, 'home page: ' . $senw_home_id->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "home page created\n";
} else {
	$senw_home_id = $senw_home->ID;
}
update_option( 'show_on_front', 'page' );
update_option( 'page_on_front', (int) $senw_home_id );

// The menu: Listings, Contact (the default theme's header navigation shows the latest menu).
if ( ! get_page_by_path( 'main-menu', OBJECT, 'wp_navigation' ) ) {
	$senw_links = '';
	foreach ( array( 'listings', 'contact' ) as $senw_slug ) {
		$senw_page = get_page_by_path( $senw_slug );
		if ( $senw_page ) {
			$senw_links .= '<!-- wp:navigation-link ' . wp_json_encode(
				array(
					'label' => $senw_page->post_title,
					'type'  => 'page',
					'id'    => $senw_page->ID,
					'url'   => get_permalink( $senw_page ),
					'kind'  => 'post-type',
				)
			) . " /-->\n";
		}
	}
	wp_insert_post(
		array(
			'post_type'    => 'wp_navigation',
			'post_status'  => 'publish',
			'post_title'   => 'Main menu',
			'post_name'    => 'main-menu',
			'post_content' => $senw_links,
		)
	);
	echo "menu created\n";
}

// Readable listing permalinks (/listings/<key>/<address>/).
SENW_CRM_Listing_Seo::rewrite();
flush_rewrite_rules( false );
