<?php
/**
 * Returning-visitor recognition: a first-party cookie that attributes a
 * visitor's later browsing (listing views, searches, return visits) to the
 * CRM person they are, as engagement events.
 *
 * The cookie (senw_visitor) is set only when the visitor opened their agent's
 * personal link (the link's person), or submitted the lead form with its
 * consent box ticked and that submission created its person (a submission
 * matched to an existing person by a typed email or phone proves nothing
 * about who is browsing, so it is never a reason to attribute). It holds a
 * person's contact_key (a random UUID, never an id, a name or an address),
 * its issue time and an HMAC-SHA256 of both with a key derived from the site's
 * salts; HttpOnly, SameSite=Lax, Secure on HTTPS, one year.
 *
 * A form submission is matched by the sidecar after the visitor is answered,
 * so its answer carries a *pending* cookie (senw_visitor_pending) naming the
 * submission (its random key, signed the same way); the first page view after
 * the sidecar has matched it settles it (see settle_pending()). The form never reads this cookie:
 * identity stays the form's own matching, and the cookie only attributes.
 *
 * A cookie that does not verify, has expired, names nobody, or names a person
 * who was erased or merged away is ignored and cleared. "Forget me on this
 * device" (?senw_forget=1, linked in every public footer) clears it.
 *
 * Events are written here, the way the sidecar's intake stores them: the
 * event row (INSERT IGNORE on its idempotency key) and its
 * 'engagement.process' outbox row in one transaction, after the page is out,
 * then a fire-and-forget kick. So a view is stored whether or not the sidecar
 * is up (the sweep hands it out later), and costs the page no network wait.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Visitor {

	const COOKIE       = 'senw_visitor';
	const VISIT_COOKIE = 'senw_visit';
	// A form submission waiting to be matched (kind s), beside the person's cookie.
	const PENDING_COOKIE = 'senw_visitor_pending';
	const FORGET_ARG   = 'senw_forget';
	const FORGOT_ARG   = 'senw_forgotten';
	const VERSION      = 'v1';
	// A pending cookie waits this long for its submission to be matched.
	const PENDING_LIFETIME = DAY_IN_SECONDS;
	// A page view this long after the last one starts a new visit (ReturnVisit).
	const VISIT_GAP = 30 * MINUTE_IN_SECONDS;
	// Reloads within one bucket are the same event (the idempotency key).
	const BUCKET = 10 * MINUTE_IN_SECONDS;

	/** @var array|null The recognised person of this request: id, contact_key. */
	private static $person = null;

	/** @var array<string, array> Events to store after the page is out, by event key. */
	private static $queue = array();

	public static function register() {
		add_action( 'template_redirect', array( __CLASS__, 'recognise' ), 0 );
		add_action( 'wp_footer', array( __CLASS__, 'footer' ) );
		add_action( 'admin_init', array( __CLASS__, 'privacy_policy' ) );
	}

	/** Cookie lifetime in seconds (a year; filter senw_crm_visitor_cookie_lifetime). */
	public static function lifetime() {
		return max( HOUR_IN_SECONDS, (int) apply_filters( 'senw_crm_visitor_cookie_lifetime', YEAR_IN_SECONDS ) );
	}

	// -- the signed value -----------------------------------------------------------

	private static function key() {
		return hash_hmac( 'sha256', 'senw_visitor_cookie', wp_salt( 'secure_auth' ) );
	}

	/**
	 * A signed cookie value: "v1.<kind>.<key>.<issued>.<mac>", kind p (a
	 * person's contact_key) or s (a pending submission's key).
	 */
	public static function value( $kind, $key, $issued ) {
		$payload = self::VERSION . '.' . $kind . '.' . strtolower( (string) $key ) . '.' . (int) $issued;
		return $payload . '.' . hash_hmac( 'sha256', $payload, self::key() );
	}

	/**
	 * What a cookie value says, when it verifies and has not expired.
	 *
	 * @return array{kind: string, key: string, issued: int}|null
	 */
	public static function parse( $raw ) {
		if ( ! is_string( $raw ) || strlen( $raw ) > 200 ) {
			return null;
		}
		if ( ! preg_match( '/^v1\.([ps])\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,12})\.([0-9a-f]{64})$/', $raw, $m ) ) {
			return null;
		}
		$payload = 'v1.' . $m[1] . '.' . $m[2] . '.' . $m[3];
		if ( ! hash_equals( hash_hmac( 'sha256', $payload, self::key() ), $m[4] ) ) {
			return null;
		}
		$issued = (int) $m[3];
		$life   = 'p' === $m[1] ? self::lifetime() : self::PENDING_LIFETIME;
		if ( $issued > time() + 300 || $issued + $life < time() ) {
			return null;
		}
		return array(
			'kind'   => $m[1],
			'key'    => $m[2],
			'issued' => $issued,
		);
	}

	// -- cookies ------------------------------------------------------------------------

	private static function set_cookie( $name, $value, $expires ) {
		if ( headers_sent() ) {
			return;
		}
		setcookie(
			$name,
			$value,
			array(
				'expires'  => $expires,
				'path'     => '/',
				'domain'   => defined( 'COOKIE_DOMAIN' ) && COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Lax',
			)
		);
		if ( '' === $value ) {
			unset( $_COOKIE[ $name ] );
		} else {
			$_COOKIE[ $name ] = $value;
		}
	}

	/** Both cookies gone (forget me, or a cookie that must be ignored). */
	public static function clear() {
		self::$person = null;
		self::set_cookie( self::COOKIE, '', time() - YEAR_IN_SECONDS );
		self::set_cookie( self::VISIT_COOKIE, '', time() - YEAR_IN_SECONDS );
		self::set_cookie( self::PENDING_COOKIE, '', time() - YEAR_IN_SECONDS );
	}

	/** Marks this device as in a visit for the next VISIT_GAP seconds. */
	private static function touch_visit() {
		self::set_cookie( self::VISIT_COOKIE, '1', time() + self::VISIT_GAP );
	}

	private static function raw_cookie( $name = self::COOKIE ) {
		return isset( $_COOKIE[ $name ] ) && is_string( $_COOKIE[ $name ] ) ? sanitize_text_field( wp_unslash( $_COOKIE[ $name ] ) ) : null;
	}

	/**
	 * A live person by contact_key: not erased, not merged into someone else.
	 *
	 * @return array{id: int, contact_key: string}|null
	 */
	private static function live_person( $where, $value ) {
		global $wpdb;
		$sql = 'SELECT id, contact_key FROM `' . SENW_CRM_Db::t( 'people' ) . '` WHERE ' . ( 'id' === $where ? 'id = %d' : 'contact_key = %s' ) . " AND merged_into IS NULL AND contact_type <> 'Erased'";
		$row = $wpdb->get_row( $wpdb->prepare( $sql, $value ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix, placeholders above.
		return $row ? array(
			'id'          => (int) $row['id'],
			'contact_key' => strtolower( (string) $row['contact_key'] ),
		) : null;
	}

	/**
	 * The visitor came through their agent's personal link: remember the
	 * link's person on this device (replacing whoever was remembered).
	 */
	public static function remember_person( $person_id ) {
		// An agent previewing their client's link is not the client.
		if ( current_user_can( 'senw_view_properties' ) ) {
			return;
		}
		$person = self::live_person( 'id', (int) $person_id );
		if ( ! $person ) {
			return;
		}
		self::set_cookie( self::COOKIE, self::value( 'p', $person['contact_key'], time() ), time() + self::lifetime() );
		self::touch_visit();
		self::$person = $person;
	}

	/**
	 * A stored lead-form submission with consent: remember, once the sidecar
	 * has matched it, the person it resolves to (replacing whoever was
	 * remembered; until then nothing is attributed).
	 */
	public static function remember_submission( $submission_key, $consent ) {
		$key = SENW_CRM_Submissions::clean_key( $submission_key );
		if ( ! $consent || null === $key ) {
			return;
		}
		self::set_cookie( self::PENDING_COOKIE, self::value( 's', $key, time() ), time() + self::PENDING_LIFETIME );
		self::touch_visit();
	}

	/**
	 * A pending cookie's submission, once matched: the person it resolved to
	 * and whether the submission created that person (false: still waiting;
	 * null: it never will, or gave no consent).
	 *
	 * @return array{person: array, created: bool}|false|null
	 */
	private static function resolve_submission( $key ) {
		global $wpdb;
		$sub = $wpdb->get_row( $wpdb->prepare( 'SELECT person_id, consent, processed_at, outcome FROM `' . SENW_CRM_Db::t( 'submissions' ) . '` WHERE submission_key = %s', $key ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		if ( ! $sub || ! (int) $sub['consent'] ) {
			return null;
		}
		if ( null === $sub['processed_at'] || null === $sub['person_id'] ) {
			return false;
		}
		$person = self::live_person( 'id', (int) $sub['person_id'] );
		return $person ? array(
			'person'  => $person,
			'created' => 'new_person' === $sub['outcome'],
		) : null;
	}

	/**
	 * The pending submission of this device, once the sidecar matched it.
	 * Identity comes from verified input only: a submission that created its
	 * person makes this device that person's; one that matched an existing
	 * person by the email or phone typed (anyone can type anyone's) does not,
	 * and a device remembered as someone else stops being attributed at all
	 * (it now claims two people). The same person again keeps their cookie.
	 * False while the submission waits to be matched.
	 */
	private static function settle_pending() {
		$pending = self::parse( self::raw_cookie( self::PENDING_COOKIE ) );
		if ( null === $pending || 's' !== $pending['kind'] ) {
			self::set_cookie( self::PENDING_COOKIE, '', time() - YEAR_IN_SECONDS );
			return true;
		}
		$resolved = self::resolve_submission( $pending['key'] );
		if ( false === $resolved ) {
			return false;
		}
		self::set_cookie( self::PENDING_COOKIE, '', time() - YEAR_IN_SECONDS );
		if ( null === $resolved ) {
			return true;
		}
		$current = self::parse( self::raw_cookie() );
		$same    = null !== $current && 'p' === $current['kind'] && $current['key'] === $resolved['person']['contact_key'];
		if ( $resolved['created'] ) {
			self::set_cookie( self::COOKIE, self::value( 'p', $resolved['person']['contact_key'], time() ), time() + self::lifetime() );
		} elseif ( ! $same && null !== self::raw_cookie() ) {
			self::clear();
		}
		return true;
	}

	// -- each public page view ----------------------------------------------------------

	/**
	 * template_redirect: "forget me", then who this device is. A first page
	 * view in a new visit is a ReturnVisit. The shared-link page records its
	 * own visit (LinkOpened; the sidecar makes the ReturnVisit of a link).
	 */
	public static function recognise() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- forgetting clears the visitor's own cookie; nothing to forge.
		if ( isset( $_GET[ self::FORGET_ARG ] ) ) {
			self::clear();
			nocache_headers();
			wp_safe_redirect( add_query_arg( self::FORGOT_ARG, '1', home_url( '/' ) ), 303 );
			exit;
		}
		$on_link = isset( $_GET[ SENW_CRM_Links::QUERY_VAR ] );
		// phpcs:enable
		if ( $on_link || is_feed() || is_robots() || is_favicon() || is_trackback() ) {
			return;
		}
		if ( null !== self::raw_cookie( self::PENDING_COOKIE ) && ! self::settle_pending() && null === self::raw_cookie() ) {
			self::touch_visit(); // not matched yet: nothing to attribute, but the visit goes on
			return;
		}
		$raw = self::raw_cookie();
		if ( null === $raw ) {
			return;
		}
		$cookie = self::parse( $raw );
		if ( null === $cookie || 'p' !== $cookie['kind'] ) {
			self::clear();
			return;
		}
		$person = self::live_person( 'contact_key', $cookie['key'] );
		if ( null === $person ) {
			self::clear();
			return;
		}
		if ( ! self::counts() ) {
			return;
		}
		self::$person = $person;
		nocache_headers(); // this answer is this visitor's (cookies set, events recorded)
		if ( ! isset( $_COOKIE[ self::VISIT_COOKIE ] ) ) {
			self::record( 'ReturnVisit' );
		}
		self::touch_visit();
		add_action( 'shutdown', array( __CLASS__, 'flush' ), 20 );
	}

	/** Crawlers and CRM users browsing the site are not a contact's engagement. */
	private static function counts() {
		$ua = isset( $_SERVER['HTTP_USER_AGENT'] ) ? (string) wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- only matched.
		return ! preg_match( '/bot|crawl|spider|slurp|preview/i', $ua ) && ! current_user_can( 'senw_view_properties' );
	}

	/** Whether this request's visitor is a recognised person. */
	public static function recognised() {
		return null !== self::$person;
	}

	/**
	 * Queues an engagement event of the recognised person (stored after the
	 * page is out). Its key is the same for a reload within BUCKET seconds.
	 *
	 * @param string      $type        DetailedView, Search or ReturnVisit.
	 * @param string|null $listing_key The listing a DetailedView is about.
	 * @param array       $details     The event's data (a search's criteria).
	 * @return bool Whether it was queued (false: nobody is recognised).
	 */
	public static function record( $type, $listing_key = null, array $details = array() ) {
		if ( null === self::$person ) {
			return false;
		}
		ksort( $details );
		$subject = null !== $listing_key ? (string) $listing_key : ( $details ? wp_json_encode( $details ) : '' );
		$key     = self::event_key( self::$person['contact_key'], $type, $subject, (int) floor( time() / self::BUCKET ) );

		self::$queue[ $key ] = array(
			'type'    => $type,
			'listing' => null === $listing_key ? null : substr( (string) $listing_key, 0, 255 ),
			'details' => $details,
		);
		return true;
	}

	/** A UUID-shaped name (version 5 layout) of the person, type, subject and time bucket. */
	public static function event_key( $contact_key, $type, $subject, $bucket ) {
		$h = hash( 'sha256', 'senw-visitor|' . $contact_key . '|' . $type . '|' . $subject . '|' . $bucket );
		$h = substr( $h, 0, 12 ) . '5' . substr( $h, 13, 3 ) . dechex( 8 | ( hexdec( $h[16] ) & 3 ) ) . substr( $h, 17, 15 );
		return substr( $h, 0, 8 ) . '-' . substr( $h, 8, 4 ) . '-' . substr( $h, 12, 4 ) . '-' . substr( $h, 16, 4 ) . '-' . substr( $h, 20, 12 );
	}

	/**
	 * shutdown: stores the queued events as the intake does (event row and its
	 * outbox row in one transaction; a duplicate key stores nothing), then
	 * kicks the dispatcher without waiting.
	 */
	public static function flush() {
		global $wpdb;
		if ( ! self::$queue || null === self::$person ) {
			return;
		}
		if ( function_exists( 'fastcgi_finish_request' ) ) {
			fastcgi_finish_request();
		}
		$ua       = isset( $_SERVER['HTTP_USER_AGENT'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) ) : '';
		$referrer = wp_get_raw_referer();
		$referrer = $referrer ? substr( (string) strtok( esc_url_raw( $referrer ), '?#' ), 0, 2000 ) : '';
		$events   = SENW_CRM_Db::t( 'events' );
		$people   = SENW_CRM_Db::t( 'people' );
		$leads    = SENW_CRM_Db::t( 'leads' );
		$outbox   = array();
		foreach ( self::$queue as $key => $ev ) {
			$object = null === $ev['listing'] ? 'NULL, NULL' : "'Property', %s";
			$args   = array( $key, $ev['type'], SENW_CRM_Db::now() );
			if ( null !== $ev['listing'] ) {
				$args[] = $ev['listing'];
			}
			array_push( $args, wp_json_encode( (object) $ev['details'] ), SENW_CRM_Leads::device_type( $ua ), $referrer, mb_substr( $ua, 0, 500 ), self::$person['id'] );
			// The person's current lead (open first, newest), as the intake picks it.
			$sql = "INSERT IGNORE INTO `{$events}` (event_key, event_type, event_timestamp, actor_type, actor_key, object_type, object_key, person_id, lead_id, agent_id, source, details, device_type, referring_url, user_agent) SELECT %s, %s, %s, 'Client', p.contact_key, {$object}, p.id, l.id, l.agent_id, 'visitor', %s, %s, NULLIF(%s, ''), NULLIF(%s, '') FROM `{$people}` p LEFT JOIN `{$leads}` l ON l.id = (SELECT id FROM `{$leads}` WHERE person_id = p.id ORDER BY status IN ('converted', 'lost'), created_at DESC LIMIT 1) WHERE p.id = %d";
			SENW_CRM_Db::begin();
			try {
				$added = SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( $sql, $args ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared, WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from the prefix, values as placeholders.
				if ( 1 === (int) $added ) {
					$event_id = (int) $wpdb->insert_id;
					SENW_CRM_Db::check(
						$wpdb->insert(
							SENW_CRM_Db::t( 'outbox' ),
							array(
								'topic'      => 'engagement.process',
								'queue'      => 'high',
								'payload'    => wp_json_encode( array( 'event_id' => $event_id ) ),
								'dedupe_key' => 'engagement-' . $event_id,
							),
							array( '%s', '%s', '%s', '%s' )
						)
					);
					$outbox[] = (int) $wpdb->insert_id;
				}
				if ( ! SENW_CRM_Db::commit() ) {
					throw new RuntimeException( 'commit' );
				}
			} catch ( RuntimeException $e ) {
				// A browsing event is not worth failing anything for; nothing half-stored.
				SENW_CRM_Db::rollback();
			}
		}
		self::$queue = array();
		if ( $outbox ) {
			SENW_CRM_Sidecar::kick_outbox( end( $outbox ) );
		}
	}

	// -- the way out ----------------------------------------------------------------------

	public static function forget_url() {
		return add_query_arg( self::FORGET_ARG, '1', home_url( '/' ) );
	}

	/** wp_footer: "Forget me on this device", on every public page. */
	public static function footer() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		$forgot = isset( $_GET[ self::FORGOT_ARG ] );
		echo '<p class="senw-forget" style="text-align:center;font-size:.85em;margin:1em 0;">';
		if ( $forgot ) {
			echo '<span class="senw-forgotten" role="status">' . esc_html__( 'This device is no longer recognised.', 'senw-crm' ) . '</span>';
		} else {
			echo '<a class="senw-forget-link" href="' . esc_url( self::forget_url() ) . '" rel="nofollow">' . esc_html__( 'Forget me on this device', 'senw-crm' ) . '</a>';
		}
		echo '</p>';
	}

	/** The suggested privacy policy text (Settings > Privacy) names the cookie. */
	public static function privacy_policy() {
		if ( ! function_exists( 'wp_add_privacy_policy_content' ) ) {
			return;
		}
		$text = '<p>' . sprintf(
			/* translators: 1: cookie name, 2: brokerage name */
			esc_html__( 'When you submit our contact form with the consent box ticked, or open a listing link your agent sent you, this site sets a cookie named %1$s on your device. It holds a random contact code and a signature, never your name, email or phone, and lasts one year. With it, %2$s records the listings you view, the searches you run and your return visits, so that your agent can help you; it never changes your contact details. A second cookie, senw_visit, lasts 30 minutes and only tells a new visit from the current one. "Forget me on this device", at the bottom of every page, removes both.', 'senw-crm' ),
			'<code>' . esc_html( self::COOKIE ) . '</code>',
			esc_html( SENW_CRM_Settings::brokerage_name() )
		) . '</p>';
		wp_add_privacy_policy_content( __( 'SENW CRM', 'senw-crm' ), wp_kses_post( $text ) );
	}
}
