<?php
/**
 * Deals: a person and an agent, optionally a listing (an MLS ListingKey or a
 * hand-entered property: address and list price); a stage with its history,
 * a value (default: list price × the commission rate), a probability and an
 * expected close date. Record-level rules are the leads' (own, team, all),
 * applied to the deal's agent in the SQL (SENW_CRM_Visibility::lead_scope).
 *
 * A stage change (manual here, by rule in the sidecar) writes a
 * deal_stage_history row and a 'deal.stage_changed' outbox row (the stage's
 * follow-up tasks) in the same transaction, and refreshes the deal's metrics
 * aggregates (refresh_aggregates(), sql/081).
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Deals {

	const STAGES_OPTION = 'senw_crm_deal_stages';
	const CLOSED        = array( 'closed_won', 'closed_lost' );

	public static function register() {
		add_action( 'senw_crm_lead_page_main', array( __CLASS__, 'lead_box' ), 5, 2 );
		add_action( 'senw_crm_property_page_side', array( __CLASS__, 'property_box' ), 5 );
		add_action( 'admin_post_senw_crm_deal_save', array( __CLASS__, 'handle_save' ) );
	}

	/** Default stages, in pipeline order. */
	public static function default_stages() {
		return array(
			'new'            => __( 'New', 'senw-crm' ),
			'engaged'        => __( 'Engaged', 'senw-crm' ),
			'showing'        => __( 'Showing', 'senw-crm' ),
			'offer'          => __( 'Offer', 'senw-crm' ),
			'under_contract' => __( 'Under contract', 'senw-crm' ),
			'closed_won'     => __( 'Closed won', 'senw-crm' ),
			'closed_lost'    => __( 'Closed lost', 'senw-crm' ),
		);
	}

	/**
	 * The configured stages, key => label, in order; closed_won and
	 * closed_lost always end the list. The option holds "key|Label" lines.
	 */
	public static function stages() {
		$raw = (string) get_option( self::STAGES_OPTION, '' );
		if ( '' === trim( $raw ) ) {
			return self::default_stages();
		}
		$open = array();
		foreach ( preg_split( '/\r\n|\r|\n/', $raw ) as $line ) {
			$parts = array_map( 'trim', explode( '|', $line, 2 ) );
			$key   = sanitize_key( str_replace( ' ', '_', $parts[0] ) );
			if ( '' === $key || in_array( $key, self::CLOSED, true ) ) {
				continue;
			}
			$open[ $key ] = isset( $parts[1] ) && '' !== $parts[1] ? $parts[1] : ucfirst( str_replace( '_', ' ', $key ) );
		}
		$defaults = self::default_stages();
		if ( ! $open ) {
			return $defaults;
		}
		return $open + array(
			'closed_won'  => $defaults['closed_won'],
			'closed_lost' => $defaults['closed_lost'],
		);
	}

	public static function sanitize_stages( $value ) {
		$lines = array();
		foreach ( preg_split( '/\r\n|\r|\n/', (string) $value ) as $line ) {
			$parts = array_map( 'trim', explode( '|', $line, 2 ) );
			$key   = sanitize_key( str_replace( ' ', '_', $parts[0] ) );
			if ( '' !== $key && ! in_array( $key, self::CLOSED, true ) ) {
				$lines[] = $key . '|' . sanitize_text_field( isset( $parts[1] ) ? $parts[1] : '' );
			}
		}
		return implode( "\n", $lines );
	}

	/** The visibility rule on deals (alias d): the leads rule on the deal's agent. */
	public static function scope( $user_id, $mode = 'view' ) {
		return SENW_CRM_Visibility::lead_scope( $user_id, 'd', $mode );
	}

	/** A deal row the user may see (or edit), with person and agent names; null otherwise. */
	public static function get( $deal_id, $user_id, $mode = 'view' ) {
		$rows = self::query( array( 'id' => (int) $deal_id ), $user_id, $mode, 1 );
		return $rows ? $rows[0] : null;
	}

	/**
	 * Deals the user may see, filtered by id, lead_id, person_id, listing_key,
	 * agent_id, stage (exact values), newest first.
	 */
	public static function query( array $filters, $user_id, $mode = 'view', $limit = 100, $offset = 0 ) {
		global $wpdb;
		$scope = self::scope( $user_id, $mode );
		$where = array( $scope['sql'] );
		$args  = $scope['args'];
		foreach ( array( 'id' => '%d', 'lead_id' => '%d', 'person_id' => '%d', 'agent_id' => '%d', 'listing_key' => '%s', 'stage' => '%s' ) as $col => $fmt ) {
			if ( isset( $filters[ $col ] ) && '' !== $filters[ $col ] ) {
				$where[] = "d.{$col} = {$fmt}";
				$args[]  = $filters[ $col ];
			}
		}
		$args[] = (int) $limit;
		$args[] = (int) $offset;
		$d      = SENW_CRM_Db::t( 'deals' );
		$p      = SENW_CRM_Db::t( 'people' );
		$sql    = "SELECT d.*, TRIM(CONCAT(p.first_name, ' ', p.last_name)) AS person_name, u.display_name AS agent_name FROM `{$d}` d JOIN `{$p}` p ON p.id = d.person_id LEFT JOIN `{$wpdb->users}` u ON u.ID = d.agent_id WHERE " . implode( ' AND ', $where ) . ' ORDER BY d.updated_at DESC, d.id DESC LIMIT %d OFFSET %d';
		return $wpdb->get_results( SENW_CRM_Db::prepare( $sql, $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}

	public static function count( array $filters, $user_id ) {
		global $wpdb;
		$scope = self::scope( $user_id, 'view' );
		$where = array( $scope['sql'] );
		$args  = $scope['args'];
		foreach ( array( 'lead_id' => '%d', 'person_id' => '%d', 'agent_id' => '%d', 'listing_key' => '%s', 'stage' => '%s' ) as $col => $fmt ) {
			if ( isset( $filters[ $col ] ) && '' !== $filters[ $col ] ) {
				$where[] = "d.{$col} = {$fmt}";
				$args[]  = $filters[ $col ];
			}
		}
		$sql = 'SELECT COUNT(*) FROM `' . SENW_CRM_Db::t( 'deals' ) . '` d WHERE ' . implode( ' AND ', $where );
		return (int) $wpdb->get_var( SENW_CRM_Db::prepare( $sql, $args ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
	}

	public static function history( $deal_id ) {
		global $wpdb;
		$h = SENW_CRM_Db::t( 'deal_stage_history' );
		return $wpdb->get_results( $wpdb->prepare( "SELECT h.*, u.display_name AS user_name FROM `{$h}` h LEFT JOIN `{$wpdb->users}` u ON u.ID = h.user_id WHERE h.deal_id = %d ORDER BY h.created_at, h.id", (int) $deal_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from prefix.
	}

	/** The default value of a deal: list price × commission rate (rounded to cents). */
	public static function default_value( $list_price ) {
		return null === $list_price ? 0.0 : round( (float) $list_price * SENW_CRM_Settings::commission_rate(), 2 );
	}

	/**
	 * Validates deal input. Returns [clean, errors] (errors: field => message).
	 *
	 * @param array      $in       Raw input.
	 * @param array|null $existing The deal being edited, or null for a new one.
	 */
	public static function validate( array $in, $existing = null ) {
		$errors = array();
		$clean  = array();
		$stages = self::stages();
		if ( isset( $in['stage'] ) && '' !== (string) $in['stage'] ) {
			$stage = sanitize_key( (string) $in['stage'] );
			if ( ! isset( $stages[ $stage ] ) ) {
				$errors['stage'] = __( 'Choose one of the pipeline stages.', 'senw-crm' );
			} else {
				$clean['stage'] = $stage;
			}
		}
		if ( isset( $in['title'] ) ) {
			$clean['title'] = mb_substr( sanitize_text_field( (string) $in['title'] ), 0, 200 );
		}
		foreach ( array( 'value', 'list_price' ) as $money ) {
			if ( isset( $in[ $money ] ) && '' !== trim( (string) $in[ $money ] ) ) {
				$raw = str_replace( array( ',', '$', ' ' ), '', (string) $in[ $money ] );
				if ( ! is_numeric( $raw ) || (float) $raw < 0 || (float) $raw > 999999999999 ) {
					$errors[ $money ] = __( 'Enter an amount of zero or more, like 12500.', 'senw-crm' );
				} else {
					$clean[ $money ] = round( (float) $raw, 2 );
				}
			}
		}
		if ( isset( $in['probability'] ) && '' !== trim( (string) $in['probability'] ) ) {
			$raw = trim( (string) $in['probability'] );
			if ( ! preg_match( '/^\d{1,3}$/', $raw ) || (int) $raw > 100 ) {
				$errors['probability'] = __( 'Enter a probability from 0 to 100.', 'senw-crm' );
			} else {
				$clean['probability'] = (int) $raw;
			}
		}
		if ( isset( $in['expected_close_date'] ) ) {
			$raw = trim( (string) $in['expected_close_date'] );
			if ( '' === $raw ) {
				$clean['expected_close_date'] = null;
			} elseif ( ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $raw ) || ! checkdate( (int) substr( $raw, 5, 2 ), (int) substr( $raw, 8, 2 ), (int) substr( $raw, 0, 4 ) ) ) {
				$errors['expected_close_date'] = __( 'Enter the expected close date as YYYY-MM-DD.', 'senw-crm' );
			} else {
				$clean['expected_close_date'] = $raw;
			}
		}
		if ( isset( $in['listing_key'] ) && '' !== trim( (string) $in['listing_key'] ) ) {
			$key     = sanitize_text_field( (string) $in['listing_key'] );
			$listing = SENW_CRM_Properties::find( $key, false, true );
			if ( ! $listing ) {
				$errors['listing_key'] = __( 'No MLS listing has that key; leave it empty and enter the address for a property that is not on the MLS.', 'senw-crm' );
			} else {
				$clean['listing_key'] = $listing['ListingKey'];
				if ( ! isset( $clean['list_price'] ) && null !== $listing['ListPrice'] ) {
					$clean['list_price'] = (float) $listing['ListPrice'];
				}
				if ( ! isset( $in['property_address'] ) || '' === trim( (string) $in['property_address'] ) ) {
					$clean['property_address'] = mb_substr( SENW_CRM_Properties::public_address( $listing ), 0, 255 );
				}
			}
		}
		if ( isset( $in['property_address'] ) && '' !== trim( (string) $in['property_address'] ) ) {
			$clean['property_address'] = mb_substr( sanitize_text_field( (string) $in['property_address'] ), 0, 255 );
		}
		if ( null === $existing && ! isset( $clean['value'] ) ) {
			$clean['value'] = self::default_value( isset( $clean['list_price'] ) ? $clean['list_price'] : null );
		}
		return array( $clean, $errors );
	}

	/**
	 * Creates a deal for a lead's person and agent (the lead's edit rule).
	 *
	 * @return int|WP_Error Deal id.
	 */
	public static function create_for_lead( $lead_id, array $in, $actor ) {
		global $wpdb;
		if ( ! current_user_can( 'senw_edit_leads' ) || ! SENW_CRM_Visibility::can_edit_lead( $actor, $lead_id ) ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to add deals to this lead.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		list( $clean, $errors ) = self::validate( $in );
		if ( $errors ) {
			return new WP_Error( 'senw_crm_invalid', __( 'Some fields need attention.', 'senw-crm' ), array( 'status' => 400, 'fields' => $errors ) );
		}
		$lead = $wpdb->get_row( $wpdb->prepare( 'SELECT id, person_id, agent_id, display_name FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', (int) $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$agent = $lead['agent_id'] ? (int) $lead['agent_id'] : (int) $actor;
		if ( empty( $clean['title'] ) ) {
			$clean['title'] = trim( $lead['display_name'] . ( ! empty( $clean['property_address'] ) ? ' — ' . $clean['property_address'] : '' ) );
		}
		return self::insert( (int) $lead['id'], (int) $lead['person_id'], $agent, $clean, $actor, 'manual', __( 'Created by hand', 'senw-crm' ) );
	}

	/**
	 * Inserts a deal with its first history row (one transaction).
	 *
	 * @return int|WP_Error
	 */
	public static function insert( $lead_id, $person_id, $agent_id, array $clean, $actor, $source, $reason ) {
		global $wpdb;
		$stage = isset( $clean['stage'] ) ? $clean['stage'] : (string) key( self::stages() );
		$row   = array_merge(
			array(
				'lead_id'     => $lead_id ? (int) $lead_id : null,
				'person_id'   => (int) $person_id,
				'agent_id'    => (int) $agent_id,
				'probability' => self::default_probability( $stage ),
			),
			$clean,
			array(
				'stage'            => $stage,
				'stage_changed_at' => SENW_CRM_Db::now(),
				'closed_at'        => in_array( $stage, self::CLOSED, true ) ? SENW_CRM_Db::now() : null,
			)
		);
		SENW_CRM_Db::begin();
		try {
			SENW_CRM_Db::check( $wpdb->insert( SENW_CRM_Db::t( 'deals' ), $row ) );
			$deal_id = (int) $wpdb->insert_id;
			self::record_stage( $deal_id, null, $stage, $source, $actor, $reason );
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
		} catch ( RuntimeException $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The deal could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
		SENW_CRM_Audit::log( 'create', 'deal', $deal_id, array( 'lead_id' => $lead_id ? (int) $lead_id : null ), $actor );
		SENW_CRM_Sidecar::kick_outbox();
		return $deal_id;
	}

	/** A stage's default probability (percent), used for new deals. */
	public static function default_probability( $stage ) {
		$map = array(
			'new'            => 10,
			'engaged'        => 20,
			'showing'        => 40,
			'offer'          => 60,
			'under_contract' => 85,
			'closed_won'     => 100,
			'closed_lost'    => 0,
		);
		return isset( $map[ $stage ] ) ? $map[ $stage ] : 20;
	}

	/** The history row and the follow-up outbox row of a stage change (caller's transaction). */
	private static function record_stage( $deal_id, $from, $to, $source, $actor, $reason ) {
		global $wpdb;
		SENW_CRM_Db::check(
			$wpdb->insert(
				SENW_CRM_Db::t( 'deal_stage_history' ),
				array(
					'deal_id'    => (int) $deal_id,
					'from_stage' => $from,
					'to_stage'   => $to,
					'source'     => $source,
					'user_id'    => $actor ? (int) $actor : null,
					'reason'     => mb_substr( (string) $reason, 0, 255 ),
					'created_at' => SENW_CRM_Db::now(),
				)
			)
		);
		SENW_CRM_Db::check(
			$wpdb->insert(
				SENW_CRM_Db::t( 'outbox' ),
				array(
					'topic'   => 'deal.stage_changed',
					'queue'   => 'high',
					'payload' => wp_json_encode(
						array(
							'deal_id'    => (int) $deal_id,
							'from_stage' => $from,
							'to_stage'   => $to,
							'history_id' => (int) $wpdb->insert_id,
						)
					),
				),
				array( '%s', '%s', '%s' )
			)
		);
		self::refresh_aggregates( $deal_id );
	}

	/**
	 * Recomputes one deal's precomputed metrics aggregates from its stage
	 * history (sql/081: deals.stages_reached and won_at; history left_at,
	 * agent_id, won_at), in the caller's transaction, after every write of
	 * that history. The same statements as the sidecar's
	 * sidecar/analytics/aggregates.py refresh_deal().
	 *
	 * @param int $deal_id Deal whose history was written (its row is locked by the caller).
	 */
	public static function refresh_aggregates( $deal_id ) {
		global $wpdb;
		$d = SENW_CRM_Db::t( 'deals' );
		$h = SENW_CRM_Db::t( 'deal_stage_history' );
		// phpcs:disable WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table names from the prefix.
		SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$d}` d SET d.stages_reached = COALESCE((SELECT GROUP_CONCAT(DISTINCT h.to_stage ORDER BY h.to_stage SEPARATOR ',') FROM `{$h}` h WHERE h.deal_id = d.id), ''), d.won_at = (SELECT MIN(h.created_at) FROM `{$h}` h WHERE h.deal_id = d.id AND h.to_stage = 'closed_won'), d.updated_at = d.updated_at WHERE d.id = %d", (int) $deal_id ) ) );
		SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$h}` h JOIN (SELECT id, LEAD(created_at) OVER (ORDER BY created_at, id) AS next_at FROM `{$h}` WHERE deal_id = %d) x ON x.id = h.id JOIN `{$d}` d ON d.id = h.deal_id SET h.left_at = x.next_at, h.agent_id = d.agent_id, h.won_at = d.won_at WHERE h.deal_id = %d", (int) $deal_id, (int) $deal_id ) ) );
		// phpcs:enable
	}

	/**
	 * Updates a deal the user may edit. A stage change is a manual move: it is
	 * recorded in the history and wins over the rules.
	 *
	 * @return true|WP_Error
	 */
	public static function update( $deal_id, array $in, $actor ) {
		global $wpdb;
		$deal = self::get( $deal_id, $actor, 'edit' );
		if ( ! $deal || ! current_user_can( 'senw_edit_leads' ) ) {
			return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to edit this deal, or it does not exist.', 'senw-crm' ), array( 'status' => 403 ) );
		}
		list( $clean, $errors ) = self::validate( $in, $deal );
		if ( $errors ) {
			return new WP_Error( 'senw_crm_invalid', __( 'Some fields need attention.', 'senw-crm' ), array( 'status' => 400, 'fields' => $errors ) );
		}
		$d = SENW_CRM_Db::t( 'deals' );
		SENW_CRM_Db::begin();
		try {
			$from = $wpdb->get_var( $wpdb->prepare( "SELECT stage FROM `{$d}` WHERE id = %d FOR UPDATE", (int) $deal_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( isset( $clean['stage'] ) && $clean['stage'] !== $from ) {
				$now                       = SENW_CRM_Db::now();
				$clean['stage_changed_at'] = $now;
				$clean['manual_stage_at']  = $now;
				$clean['closed_at']        = in_array( $clean['stage'], self::CLOSED, true ) ? $now : null;
				$reason                    = isset( $in['reason'] ) ? sanitize_text_field( (string) $in['reason'] ) : '';
				self::record_stage( (int) $deal_id, $from, $clean['stage'], 'manual', $actor, '' !== $reason ? $reason : __( 'Moved by hand', 'senw-crm' ) );
			} else {
				unset( $clean['stage'] );
			}
			if ( $clean ) {
				SENW_CRM_Db::check( $wpdb->update( $d, $clean, array( 'id' => (int) $deal_id ) ) );
			}
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
		} catch ( RuntimeException $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The deal could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
		SENW_CRM_Audit::log( 'update', 'deal', (int) $deal_id, array( 'fields' => array_keys( $clean ) ), $actor );
		if ( isset( $clean['stage'] ) ) {
			SENW_CRM_Sidecar::kick_outbox();
		}
		return true;
	}

	/** Leads the user may edit, id => name (for the property page's "new deal" form). */
	public static function editable_leads( $user_id, $limit = 200 ) {
		global $wpdb;
		$scope = SENW_CRM_Visibility::lead_scope( $user_id, 'l', 'edit' );
		$sql   = 'SELECT l.id, l.display_name FROM `' . SENW_CRM_Db::t( 'leads' ) . "` l WHERE {$scope['sql']} AND l.status NOT IN ('lost') ORDER BY l.display_name LIMIT " . (int) $limit;
		$out   = array();
		foreach ( $wpdb->get_results( SENW_CRM_Db::prepare( $sql, $scope['args'] ), ARRAY_A ) as $row ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
			$out[ (int) $row['id'] ] = '' !== $row['display_name'] ? $row['display_name'] : '#' . $row['id'];
		}
		return $out;
	}

	// -- Screens -------------------------------------------------------------------

	/** The lead page's "Deals" box. */
	public static function lead_box( $lead, $can_edit ) {
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-deals-box',
			array(
				'deals'    => self::query( array( 'lead_id' => (int) $lead['id'] ), get_current_user_id() ),
				'stages'   => self::stages(),
				'can_edit' => $can_edit,
				'lead_id'  => (int) $lead['id'],
				'listing'  => isset( $lead['listing_key'] ) ? (string) $lead['listing_key'] : '',
				'leads'    => array(),
				'back'     => SENW_CRM_Admin::lead_url( (int) $lead['id'] ),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	/** The property page's "New deal" box (its deals are listed by the page itself). */
	public static function property_box( $listing ) {
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			return;
		}
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-deals-box',
			array(
				'deals'    => null,
				'stages'   => self::stages(),
				'can_edit' => true,
				'lead_id'  => 0,
				'listing'  => (string) $listing['ListingKey'],
				'leads'    => null,
				'back'     => SENW_CRM_Admin_Properties::property_url( $listing['ListingKey'] ),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	public static function deal_url( $deal_id ) {
		return admin_url( 'admin.php?page=senw-crm-deal&deal=' . (int) $deal_id );
	}

	/** admin-post.php?action=senw_crm_deal_save: create (lead given) or update (deal given). */
	public static function handle_save() {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- verified right below.
		$post    = wp_unslash( $_POST );
		$deal_id = isset( $post['deal'] ) ? absint( $post['deal'] ) : 0;
		$lead_id = isset( $post['lead'] ) ? absint( $post['lead'] ) : 0;
		// phpcs:enable
		check_admin_referer( 'senw_crm_deal_save_' . $deal_id );
		if ( ! current_user_can( 'senw_edit_leads' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'senw-crm' ), 403 );
		}
		$back = isset( $post['back'] ) ? wp_validate_redirect( (string) $post['back'], admin_url() ) : admin_url();
		$in   = array_intersect_key( $post, array_flip( array( 'title', 'stage', 'value', 'probability', 'expected_close_date', 'listing_key', 'property_address', 'list_price' ) ) );
		$in   = array_map( 'strval', array_filter( $in, 'is_scalar' ) );
		if ( $deal_id ) {
			$result = self::update( $deal_id, $in, get_current_user_id() );
		} else {
			$result = self::create_for_lead( $lead_id, $in, get_current_user_id() );
		}
		if ( is_wp_error( $result ) ) {
			$data   = $result->get_error_data();
			$fields = isset( $data['fields'] ) ? $data['fields'] : array();
			set_transient( 'senw_crm_deal_errors_' . get_current_user_id(), array( 'message' => $result->get_error_message(), 'fields' => $fields ), 60 );
			wp_safe_redirect( add_query_arg( 'senw_deal_error', '1', $back ) . '#senw-deals' );
			exit;
		}
		wp_safe_redirect( $deal_id ? self::deal_url( $deal_id ) : add_query_arg( 'senw_deal_saved', (int) $result, $back ) . '#senw-deals' );
		exit;
	}

	/**
	 * Privacy erasure (called by SENW_CRM_Privacy::erase() in its transaction):
	 * the person's shared links are revoked, and the names and free text in
	 * their deals, tasks, showing requests and event details are cleared.
	 *
	 * @param string $in Comma-separated person ids (integers built by the caller).
	 */
	public static function erase_people( $in ) {
		global $wpdb;
		$in = implode( ',', array_map( 'intval', explode( ',', (string) $in ) ) );
		// phpcs:disable WordPress.DB.PreparedSQL -- integer list and table names from the prefix.
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'listing_links' ) . "` SET revoked_at = COALESCE(revoked_at, UTC_TIMESTAMP(3)), title = '' WHERE person_id IN ({$in})" );
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'deals' ) . "` SET title = '(erased)', property_address = IF(listing_key IS NULL, '', property_address) WHERE person_id IN ({$in})" );
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'tasks' ) . "` SET title = '(erased)', description = '' WHERE person_id IN ({$in})" );
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'showing_requests' ) . "` SET note = '' WHERE person_id IN ({$in})" );
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'events' ) . "` SET details = NULL WHERE person_id IN ({$in})" );
		$wpdb->query( 'UPDATE `' . SENW_CRM_Db::t( 'user_alerts' ) . "` SET body = '(erased)' WHERE url LIKE 'admin.php?page=senw-crm-lead&lead=%' AND SUBSTRING_INDEX(url, '=', -1) IN (SELECT id FROM `" . SENW_CRM_Db::t( 'leads' ) . "` WHERE person_id IN ({$in}))" );
		// phpcs:enable
	}

	/** Errors of the last failed save (shown once). */
	public static function take_errors() {
		$key = 'senw_crm_deal_errors_' . get_current_user_id();
		$got = get_transient( $key );
		delete_transient( $key );
		return is_array( $got ) ? $got : null;
	}
}
