<?php
/**
 * The listing search's map view (?view=map): the results of the page as
 * markers placed by latitude and longitude. Without a tile server they sit on
 * a plain canvas (server-rendered, no script needed); when CRM Settings name a
 * tile server (a {z}/{x}/{y} URL template and its attribution), the bundled
 * Leaflet (wp-plugin/js-src/entries/listings-map.js) turns the same markers
 * into a map over its tiles. Listings whose address may not be shown on the
 * internet (InternetAddressDisplayYN = false) are never placed.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Listing_Map {

	const HANDLE = 'senw-crm-listings-map';

	public static function register() {
		add_action( 'senw_crm_register_settings', array( __CLASS__, 'settings' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'register_assets' ) );
	}

	/** The tile URL template ('' = none configured). */
	public static function tile_url() {
		$url = (string) get_option( 'senw_crm_map_tile_url', '' );
		return self::is_template( $url ) ? $url : '';
	}

	/** The tile server's attribution (HTML with links only). */
	public static function attribution() {
		return wp_kses( (string) get_option( 'senw_crm_map_attribution', '' ), self::ATTRIBUTION_TAGS );
	}

	const ATTRIBUTION_TAGS = array( 'a' => array( 'href' => true ) );

	/** An http(s) slippy-map URL template with {z}, {x} and {y} ({s} and {r} allowed). */
	public static function is_template( $url ) {
		if ( ! preg_match( '#^https?://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~\-/%@!$&\'()*+,;=:?{}]*)?$#', $url ) ) {
			return false;
		}
		foreach ( array( '{z}', '{x}', '{y}' ) as $part ) {
			if ( false === strpos( $url, $part ) ) {
				return false;
			}
		}
		return ! preg_match( '/\{(?![zxysr]\})/', $url );
	}

	public static function settings() {
		register_setting(
			SENW_CRM_Settings::GROUP,
			'senw_crm_map_tile_url',
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( __CLASS__, 'sanitize_tile_url' ),
			)
		);
		register_setting(
			SENW_CRM_Settings::GROUP,
			'senw_crm_map_attribution',
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => static function ( $value ) {
					return trim( wp_kses( (string) $value, self::ATTRIBUTION_TAGS ) );
				},
			)
		);
		add_settings_section( 'senw_crm_map', __( 'Listing map', 'senw-crm' ), '__return_false', SENW_CRM_Settings::PAGE );
		add_settings_field(
			'senw_crm_map_tile_url',
			__( 'Tile server URL', 'senw-crm' ),
			static function () {
				printf( '<input type="text" class="large-text code" id="senw_crm_map_tile_url" name="senw_crm_map_tile_url" value="%s" placeholder="https://tiles.example.com/{z}/{x}/{y}.png">', esc_attr( self::tile_url() ) );
				echo '<p class="description">' . esc_html__( 'The map view of the listing search draws this server\'s tiles ({z}/{x}/{y} URL template, as your tile provider gives it). Leave empty to show the listings on a plain map without tiles.', 'senw-crm' ) . '</p>';
			},
			SENW_CRM_Settings::PAGE,
			'senw_crm_map',
			array( 'label_for' => 'senw_crm_map_tile_url' )
		);
		add_settings_field(
			'senw_crm_map_attribution',
			__( 'Tile attribution', 'senw-crm' ),
			static function () {
				printf( '<input type="text" class="large-text" id="senw_crm_map_attribution" name="senw_crm_map_attribution" value="%s">', esc_attr( self::attribution() ) );
				echo '<p class="description">' . esc_html__( 'Credit the tile provider requires, shown on the map; links (<a href>) are kept.', 'senw-crm' ) . '</p>';
			},
			SENW_CRM_Settings::PAGE,
			'senw_crm_map',
			array( 'label_for' => 'senw_crm_map_attribution' )
		);
	}

	/** A valid template, with an attribution given beside it; else a message and no tile server. */
	public static function sanitize_tile_url( $value ) {
		$value = trim( (string) $value );
		if ( '' === $value ) {
			return '';
		}
		if ( ! self::is_template( $value ) ) {
			add_settings_error( 'senw_crm_map_tile_url', 'senw_crm_map_tile_url', __( 'The tile server URL must be an http or https URL template with {z}, {x} and {y} (for example https://tiles.example.com/{z}/{x}/{y}.png). No tile server is set.', 'senw-crm' ) );
			return '';
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- options.php checked the settings nonce.
		$attribution = isset( $_POST['senw_crm_map_attribution'] ) ? trim( wp_strip_all_tags( wp_unslash( (string) $_POST['senw_crm_map_attribution'] ) ) ) : '';
		if ( '' === $attribution ) {
			add_settings_error( 'senw_crm_map_tile_url', 'senw_crm_map_attribution', __( 'Tile servers require credit: enter the tile attribution. No tile server is set.', 'senw-crm' ) );
			return '';
		}
		return $value;
	}

	public static function register_assets() {
		$dir = SENW_CRM_DIR . '/assets/build/';
		if ( is_readable( $dir . 'listings-map.js' ) ) {
			wp_register_script( self::HANDLE, plugins_url( 'assets/build/listings-map.js', SENW_CRM_FILE ), array(), (string) filemtime( $dir . 'listings-map.js' ), true );
		}
		if ( is_readable( $dir . 'listings-map.css' ) ) {
			wp_register_style( self::HANDLE, plugins_url( 'assets/build/listings-map.css', SENW_CRM_FILE ), array( 'senw-crm-listings' ), (string) filemtime( $dir . 'listings-map.css' ) );
		}
	}

	/**
	 * The page's listings that may be placed: coordinates present and the
	 * address allowed on the internet.
	 *
	 * @param array[] $rows  Public properties rows.
	 * @param array[] $cards The cards rendered for them (same order).
	 */
	public static function markers( array $rows, array $cards ) {
		$out = array();
		foreach ( $rows as $i => $row ) {
			$lat = isset( $row['Latitude'] ) ? (float) $row['Latitude'] : 0.0;
			$lng = isset( $row['Longitude'] ) ? (float) $row['Longitude'] : 0.0;
			$hidden = isset( $row['InternetAddressDisplayYN'] ) && null !== $row['InternetAddressDisplayYN'] && 0 === (int) $row['InternetAddressDisplayYN'];
			if ( $hidden || ! isset( $row['Latitude'], $row['Longitude'] ) || abs( $lat ) > 85 || abs( $lng ) > 180 || ( 0.0 === $lat && 0.0 === $lng ) ) {
				continue;
			}
			$out[] = array(
				'lat'     => $lat,
				'lng'     => $lng,
				'url'     => $cards[ $i ]['url'],
				'price'   => $cards[ $i ]['price'],
				'address' => $cards[ $i ]['address'],
			);
		}
		return $out;
	}

	/** Web Mercator y of a latitude (north is larger), so the canvas agrees with the tiled map. */
	private static function mercator( $lat ) {
		return log( tan( M_PI / 4 + deg2rad( $lat ) / 2 ) );
	}

	/**
	 * The map section: markers at their place on the canvas (percentages of
	 * the markers' bounds, with a margin), enhanced by Leaflet when tiles exist.
	 *
	 * @param array[] $markers markers().
	 * @param int     $shown   Listings on the page.
	 */
	public static function render( array $markers, $shown ) {
		$tiles = self::tile_url();
		if ( $tiles && ! wp_script_is( self::HANDLE, 'registered' ) ) {
			self::register_assets(); // block themes render content before wp_enqueue_scripts
		}
		if ( $tiles && wp_script_is( self::HANDLE, 'registered' ) ) {
			wp_enqueue_script( self::HANDLE );
			wp_enqueue_style( self::HANDLE );
		} else {
			$tiles = '';
		}
		$lats = array_map( array( __CLASS__, 'mercator' ), array_column( $markers, 'lat' ) );
		$lngs = array_column( $markers, 'lng' );
		ob_start();
		SENW_CRM_Properties::template(
			'listing-map',
			array(
				'markers'     => $markers,
				'positions'   => self::positions( $lats, $lngs ),
				'unplaced'    => $shown - count( $markers ),
				'shown'       => $shown,
				'tiles'       => $tiles,
				'attribution' => $tiles ? self::attribution() : '',
			)
		);
		return (string) ob_get_clean();
	}

	/**
	 * Left/top fractions of the canvas for each marker within the bounds (the
	 * template keeps a margin for the marker's size; a single marker or a
	 * line of them sits in the middle).
	 *
	 * @param float[] $ys Mercator y per marker.
	 * @param float[] $xs Longitude per marker.
	 */
	private static function positions( array $ys, array $xs ) {
		if ( ! $ys ) {
			return array();
		}
		$span = static function ( array $v ) {
			return array( min( $v ), max( $v ) - min( $v ) );
		};
		list( $y0, $dy ) = $span( $ys );
		list( $x0, $dx ) = $span( $xs );
		$out             = array();
		foreach ( $ys as $i => $y ) {
			$out[] = array(
				'left' => $dx > 0 ? ( $xs[ $i ] - $x0 ) / $dx : 0.5,
				'top'  => $dy > 0 ? 1 - ( $y - $y0 ) / $dy : 0.5,
			);
		}
		return $out;
	}
}
