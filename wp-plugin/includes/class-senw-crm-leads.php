<?php
/**
 * Leads and the people behind them: the one place the plugin reads and writes
 * senw_people, senw_person_emails/phones, senw_leads and the lead's timeline
 * (person matching in SENW_CRM_People, timeline rows in SENW_CRM_Timeline).
 * Reads apply SENW_CRM_Visibility in SQL; writes check the edit rule, record
 * an activity and an audit row, and keep the Leads screen's denormalized
 * columns (display_name, primary_email, primary_phone, search_text) current.
 *
 * A repeat submission by a known person (same email or phone) reuses the
 * person and their most recent open lead (status not converted/lost): the
 * message is appended to that lead's timeline as a 'message' activity,
 * last_activity_at is touched and a 'lead.created' outbox row is still
 * written so the sidecar rescoring runs. Only when the person has no open lead
 * is a new lead row created.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Leads {

	const CLOSED_STATUSES = array( 'converted', 'lost' );

	const ORDERBY = array(
		'created_at'   => 'l.created_at',
		'updated_at'   => 'l.updated_at',
		'display_name' => 'l.display_name',
		'score'        => 'l.score',
		'status'       => "FIELD(l.status,'new','contacted','qualified','nurturing','appointment_set','converted','lost')",
		'temperature'  => "FIELD(l.temperature,'hot','warm','cold')",
	);

	/** InnoDB's default full-text stopwords of 3+ characters (INNODB_FT_DEFAULT_STOPWORD). */
	const FT_STOPWORDS = array( 'about', 'are', 'com', 'for', 'from', 'how', 'that', 'the', 'this', 'was', 'what', 'when', 'where', 'who', 'will', 'with', 'und', 'www' );

	/** Lead columns the REST API and screens get (list rows). */
	const LIST_COLUMNS = 'l.id, l.person_id, l.display_name, l.primary_email, l.primary_phone, l.source, l.status, l.temperature, l.score, l.agent_id, l.listing_key, l.pipeline_state, l.created_at, l.updated_at, l.last_activity_at';

	/**
	 * What create() did last: lead_id, person_id, outbox_id, reused (bool).
	 *
	 * @var array
	 */
	public static $last_create = array();

	/** The consent text shown next to the checkbox (stored verbatim with each consent). */
	public static function consent_text() {
		$text = get_option( 'senw_crm_consent_text', '' );
		return '' === $text ? self::consent_text_default() : (string) $text;
	}

	/**
	 * "temperature from Cold to Warm; email from a@x.example to b@x.example"
	 * for the timeline (long text, such as the message, just says it changed).
	 */
	public static function describe_changes( array $names, array $before, array $after ) {
		$labels = array(
			'first_name'  => __( 'first name', 'senw-crm' ),
			'last_name'   => __( 'last name', 'senw-crm' ),
			'email'       => __( 'email', 'senw-crm' ),
			'phone'       => __( 'phone', 'senw-crm' ),
			'temperature' => __( 'temperature', 'senw-crm' ),
			'source'      => __( 'source', 'senw-crm' ),
			'listing_key' => __( 'property of interest', 'senw-crm' ),
			'message'     => __( 'message', 'senw-crm' ),
		);
		$show = static function ( $name, $value ) {
			$value = (string) $value;
			if ( '' === $value ) {
				return __( '(none)', 'senw-crm' );
			}
			if ( 'temperature' === $name ) {
				return SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $value );
			}
			if ( 'source' === $name ) {
				return SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), $value );
			}
			return 'phone' === $name ? SENW_CRM_Phone::display( $value ) : $value;
		};
		$parts = array();
		foreach ( $names as $name ) {
			$label = isset( $labels[ $name ] ) ? $labels[ $name ] : $name;
			if ( 'message' === $name ) {
				$parts[] = sprintf( /* translators: %s: field */ __( '%s changed', 'senw-crm' ), $label );
				continue;
			}
			$new     = 'phone' === $name && isset( $after['phone_e164'] ) ? $after['phone_e164'] : ( $after[ $name ] ?? '' );
			$parts[] = sprintf( /* translators: 1: field, 2: old value, 3: new value */ __( '%1$s from %2$s to %3$s', 'senw-crm' ), $label, $show( $name, $before[ $name ] ?? '' ), $show( $name, $new ) );
		}
		return implode( '; ', $parts );
	}

	/** The consent text used while the CRM Settings field is empty. */
	public static function consent_text_default() {
		/* translators: %s: the brokerage's name */
		return sprintf( __( 'I agree that %s and its agents may contact me about my inquiry by email, phone call and text message, including automated messages. Consent is not a condition of purchase. Message and data rates may apply; reply STOP to opt out.', 'senw-crm' ), SENW_CRM_Settings::brokerage_name() );
	}

	/*
	 * Reads.
	 */

	/**
	 * One page of leads the user may see.
	 *
	 * @param array $args search, status, temperature, source, agent_id (0 = unassigned),
	 *                    orderby, order, page, per_page (<= 100).
	 * @param int   $user_id Viewing user.
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $args, $user_id ) {
		global $wpdb;
		$leads = SENW_CRM_Db::t( 'leads' );
		$scope = SENW_CRM_Visibility::lead_scope( $user_id, 'l', 'view' );
		if ( '0=1' === $scope['sql'] ) {
			return array( 'items' => array(), 'total' => 0 );
		}
		$where  = array( $scope['sql'] );
		$params = $scope['args'];

		foreach ( array( 'status', 'temperature', 'source' ) as $field ) {
			if ( ! isset( $args[ $field ] ) || '' === $args[ $field ] || array() === $args[ $field ] ) {
				continue;
			}
			$values  = is_array( $args[ $field ] ) ? array_values( $args[ $field ] ) : explode( ',', (string) $args[ $field ] );
			$values  = array_slice( array_map( 'strval', $values ), 0, 20 );
			$where[] = "l.{$field} IN (" . implode( ',', array_fill( 0, count( $values ), '%s' ) ) . ')';
			$params  = array_merge( $params, $values );
		}
		if ( isset( $args['agent_id'] ) && '' !== $args['agent_id'] && null !== $args['agent_id'] ) {
			if ( 0 === (int) $args['agent_id'] ) {
				$where[] = 'l.agent_id IS NULL';
			} else {
				$where[]  = 'l.agent_id = %d';
				$params[] = (int) $args['agent_id'];
			}
		}
		if ( ! empty( $args['ids'] ) && is_array( $args['ids'] ) ) {
			$ids     = array_slice( array_map( 'intval', $args['ids'] ), 0, 500 );
			$where[] = 'l.id IN (' . implode( ',', array_fill( 0, count( $ids ), '%d' ) ) . ')';
			$params  = array_merge( $params, $ids );
		}
		if ( isset( $args['tag'] ) && is_string( $args['tag'] ) && '' !== $args['tag'] ) {
			$where[]  = 'l.person_id IN (SELECT pt.person_id FROM `' . SENW_CRM_Db::t( 'person_tags' ) . '` pt JOIN `' . SENW_CRM_Db::t( 'tags' ) . '` tg ON tg.id = pt.tag_id WHERE tg.name = %s)';
			$params[] = $args['tag'];
		}
		if ( isset( $args['search'] ) && is_string( $args['search'] ) && '' !== trim( $args['search'] ) ) {
			$search  = self::search_clause( trim( $args['search'] ) );
			$where[] = $search['sql'];
			$params  = array_merge( $params, $search['args'] );
		}
		$where_sql = implode( ' AND ', $where );

		$orderby  = isset( $args['orderby'], self::ORDERBY[ $args['orderby'] ] ) ? self::ORDERBY[ $args['orderby'] ] : self::ORDERBY['created_at'];
		$order    = ( isset( $args['order'] ) && 'asc' === strtolower( (string) $args['order'] ) ) ? 'ASC' : 'DESC';
		list( $page, $per_page, $offset ) = SENW_CRM_Db::page_offset( isset( $args['page'] ) ? $args['page'] : 1, isset( $args['per_page'] ) ? $args['per_page'] : 20 );

		// Count and page the ids on the leads table alone; join only the page's rows.
		$total = (int) $wpdb->get_var( SENW_CRM_Db::prepare( "SELECT COUNT(*) FROM `{$leads}` l WHERE {$where_sql}", $params ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
		if ( 0 === $total || $offset >= $total ) {
			return array( 'items' => array(), 'total' => $total );
		}
		$ids = $wpdb->get_col(
			SENW_CRM_Db::prepare( // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
				"SELECT l.id FROM `{$leads}` l WHERE {$where_sql} ORDER BY {$orderby} {$order}, l.id {$order} LIMIT %d OFFSET %d",
				array_merge( $params, array( $per_page, $offset ) )
			)
		);
		return array( 'items' => self::rows_by_ids( array_map( 'intval', $ids ) ), 'total' => $total );
	}

	/**
	 * Name terms go through the FULLTEXT index (boolean mode, prefix terms);
	 * an email or a phone number is matched on its indexed column by prefix.
	 */
	private static function search_clause( $search ) {
		global $wpdb;
		if ( false !== strpos( $search, '@' ) ) {
			return array(
				'sql'  => 'l.primary_email LIKE %s',
				'args' => array( $wpdb->esc_like( mb_strtolower( $search ) ) . '%' ),
			);
		}
		$digits = preg_replace( '/\D/', '', $search );
		if ( preg_match( '/^\+?[0-9 ().\-]+$/', $search ) && strlen( $digits ) >= 3 ) {
			if ( '+' === $search[0] || '1' === $digits[0] ) {
				return array( 'sql' => 'l.primary_phone LIKE %s', 'args' => array( '+' . $digits . '%' ) );
			}
			return array(
				'sql'  => '( l.primary_phone LIKE %s OR l.primary_phone LIKE %s )',
				'args' => array( '+1' . $digits . '%', '+' . $digits . '%' ),
			);
		}
		$terms = preg_split( '/[^\p{L}\p{N}_]+/u', mb_strtolower( $search ), -1, PREG_SPLIT_NO_EMPTY );
		// InnoDB indexes only words of 3+ characters that are not stopwords
		// ("will", "the"), so those terms cannot go through MATCH: they filter
		// the rows the indexed terms found with a LIKE, or, when no term is
		// indexable, the search is a name prefix (idx_name).
		$indexed = array();
		$other   = array();
		foreach ( array_slice( $terms, 0, 8 ) as $t ) {
			if ( mb_strlen( $t ) >= 3 && ! in_array( $t, self::FT_STOPWORDS, true ) ) {
				$indexed[] = '+' . $t . '*';
			} else {
				$other[] = $t;
			}
		}
		if ( empty( $indexed ) ) {
			return array( 'sql' => 'l.display_name LIKE %s', 'args' => array( $wpdb->esc_like( $search ) . '%' ) );
		}
		$sql  = 'MATCH(l.search_text) AGAINST (%s IN BOOLEAN MODE)';
		$args = array( implode( ' ', $indexed ) );
		foreach ( $other as $t ) {
			$sql   .= ' AND l.search_text LIKE %s';
			$args[] = '%' . $wpdb->esc_like( $t ) . '%';
		}
		return array( 'sql' => $sql, 'args' => $args );
	}

	/** List rows for the given lead ids, in that order, with the agent's name. */
	private static function rows_by_ids( array $ids ) {
		global $wpdb;
		if ( empty( $ids ) ) {
			return array();
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		$rows  = $wpdb->get_results(
			$wpdb->prepare( // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- placeholders built from count.
				'SELECT ' . self::LIST_COLUMNS . ", u.display_name AS agent_name FROM `{$leads}` l LEFT JOIN {$wpdb->users} u ON u.ID = l.agent_id WHERE l.id IN (" . implode( ',', array_fill( 0, count( $ids ), '%d' ) ) . ')',
				$ids
			),
			ARRAY_A
		);
		$by_id = array();
		foreach ( $rows as $row ) {
			$by_id[ (int) $row['id'] ] = self::cast_row( $row );
		}
		$out = array();
		foreach ( $ids as $id ) {
			if ( isset( $by_id[ $id ] ) ) {
				$out[] = $by_id[ $id ];
			}
		}
		return $out;
	}

	private static function cast_row( array $row ) {
		foreach ( array( 'id', 'person_id', 'score' ) as $k ) {
			if ( isset( $row[ $k ] ) ) {
				$row[ $k ] = (int) $row[ $k ];
			}
		}
		$row['agent_id'] = isset( $row['agent_id'] ) ? (int) $row['agent_id'] : null;
		return $row;
	}

	/**
	 * One lead with its person, emails, phones and consents, or null when it
	 * does not exist or the user may not see it. Does not write the audit log:
	 * screens showing a lead to a person call view().
	 */
	public static function get( $lead_id, $user_id ) {
		global $wpdb;
		$scope = SENW_CRM_Visibility::lead_scope( $user_id, 'l', 'view' );
		if ( '0=1' === $scope['sql'] ) {
			return null;
		}
		$leads  = SENW_CRM_Db::t( 'leads' );
		$people = SENW_CRM_Db::t( 'people' );
		$row    = $wpdb->get_row(
			SENW_CRM_Db::prepare( // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared by SENW_CRM_Db::prepare().
				'SELECT ' . self::LIST_COLUMNS . ", l.message, p.first_name, p.last_name, p.contact_key, p.contact_type, u.display_name AS agent_name FROM `{$leads}` l JOIN `{$people}` p ON p.id = l.person_id LEFT JOIN {$wpdb->users} u ON u.ID = l.agent_id WHERE l.id = %d AND {$scope['sql']}",
				array_merge( array( (int) $lead_id ), $scope['args'] )
			),
			ARRAY_A
		);
		if ( ! $row ) {
			return null;
		}
		$row               = self::cast_row( $row );
		$person_id         = $row['person_id'];
		$row['emails']     = $wpdb->get_results( $wpdb->prepare( 'SELECT email, is_primary FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$row['phones']     = $wpdb->get_results( $wpdb->prepare( 'SELECT phone_e164, phone_raw, kind, is_primary FROM `' . SENW_CRM_Db::t( 'person_phones' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$row['consents']   = $wpdb->get_results( $wpdb->prepare( 'SELECT id, lead_id, channel, granted, consent_text, ip_address, user_agent, source_url, created_at FROM `' . SENW_CRM_Db::t( 'consents' ) . '` WHERE person_id = %d ORDER BY created_at DESC, id DESC LIMIT 50', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$row['has_consent'] = ! empty( $row['consents'] );
		return $row;
	}

	/** get() for showing the lead to a person: writes a 'view' audit row when visible. */
	public static function view( $lead_id, $user_id ) {
		$lead = self::get( $lead_id, $user_id );
		if ( null !== $lead ) {
			SENW_CRM_Audit::log( 'view', 'lead', $lead['id'], array(), $user_id );
		}
		return $lead;
	}

	/**
	 * The lead's timeline, newest first (see SENW_CRM_Timeline::for_lead()).
	 * The caller has checked that the lead is visible.
	 */
	public static function timeline( $lead_id, $limit = 200 ) {
		return SENW_CRM_Timeline::for_lead( $lead_id, $limit );
	}

	/** RESO DeviceType from a user agent. */
	public static function device_type( $ua ) {
		return SENW_CRM_Timeline::device_type( $ua );
	}

	/**
	 * Notes on a lead, newest first. The caller has checked visibility.
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function notes( $lead_id, $page = 1, $per_page = 20 ) {
		global $wpdb;
		$table    = SENW_CRM_Db::t( 'activities' );
		list( , $per_page, $offset ) = SENW_CRM_Db::page_offset( $page, $per_page );
		$total    = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM `{$table}` WHERE lead_id = %d AND kind = 'note'", (int) $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		$items    = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT a.id, a.lead_id, a.user_id, u.display_name AS user_name, a.body, a.created_at FROM `{$table}` a LEFT JOIN {$wpdb->users} u ON u.ID = a.user_id WHERE a.lead_id = %d AND a.kind = 'note' ORDER BY a.created_at DESC, a.id DESC LIMIT %d OFFSET %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
				(int) $lead_id,
				$per_page,
				$offset
			),
			ARRAY_A
		);
		return array( 'items' => $items, 'total' => $total );
	}

	/** Whether a lead row exists at all (for telling 404 from 403 to the "all" scope). */
	public static function exists( $lead_id ) {
		global $wpdb;
		return (bool) $wpdb->get_var( $wpdb->prepare( 'SELECT 1 FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', (int) $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
	}

	/*
	 * Writes.
	 */

	/**
	 * Stores a lead from validated input, in one transaction: the person
	 * (found by email, else phone, else new), the lead (or the person's open
	 * lead, reused), consent rows, an InternetTracking event for a listing,
	 * a timeline entry, an audit row and the 'lead.created' outbox row. Then
	 * kicks the sidecar (best effort).
	 *
	 * @param array $clean   Output of SENW_CRM_Lead_Validator::validate().
	 * @param int   $actor_user_id 0 for a visitor.
	 * @param array $context ip, user_agent, source_url, referring_url, session_id,
	 *                       consent_text, consent_channels (string[]).
	 * @return int|WP_Error Lead id.
	 */
	public static function create( array $clean, $actor_user_id, array $context = array() ) {
		$actor    = (int) $actor_user_id;
		$agent_id = null;
		if ( ! empty( $clean['agent_id'] ) ) {
			$self = (int) $clean['agent_id'] === $actor && user_can( $actor, 'senw_edit_leads' );
			if ( ! $self && ! SENW_CRM_Visibility::can_assign_to( $actor, (int) $clean['agent_id'] ) ) {
				return new WP_Error( 'senw_crm_cannot_assign', __( 'You may not assign leads to that agent.', 'senw-crm' ), array( 'status' => 403, 'params' => array( 'agent_id' => __( 'You may not assign leads to that agent.', 'senw-crm' ) ) ) );
			}
			$agent_id = (int) $clean['agent_id'];
		} elseif ( $actor > 0 && user_can( $actor, 'senw_edit_leads' ) && ! user_can( $actor, 'senw_assign_leads' ) ) {
			// An agent adding a lead keeps it; otherwise the sidecar assigns round-robin.
			$agent_id = $actor;
		}

		$result = null;
		// A concurrent submission by the same new person loses the race on the
		// unique email/phone key (or deadlocks); the retry then finds the person.
		for ( $attempt = 0; $attempt < 5; $attempt++ ) {
			$result = self::create_once( $clean, $actor, $agent_id, $context );
			if ( ! is_wp_error( $result ) || 'senw_crm_conflict' !== $result->get_error_code() ) {
				break;
			}
			usleep( wp_rand( 2000, 20000 ) * ( $attempt + 1 ) );
		}
		if ( is_wp_error( $result ) ) {
			if ( 'senw_crm_conflict' === $result->get_error_code() ) {
				return new WP_Error( 'senw_crm_db_error', __( 'The lead could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 503 ) );
			}
			return $result;
		}
		self::$last_create = $result;
		SENW_CRM_Sidecar::kick_outbox( $result['outbox_id'] );
		return $result['lead_id'];
	}

	private static function create_once( array $clean, $actor, $agent_id, array $context ) {
		global $wpdb;
		$now = SENW_CRM_Db::now();
		SENW_CRM_Db::begin();
		try {
			// A phone is matched on only when normalized exactly as the sidecar does.
			$person_id = SENW_CRM_People::find_person( isset( $clean['email'] ) ? $clean['email'] : '', ! empty( $clean['phone_exact'] ) ? $clean['phone_e164'] : '' );
			$elsewhere = null;
			if ( null !== $person_id && $actor > 0 && ! SENW_CRM_Person_Scope::allows( $actor, $person_id, 'edit' ) ) {
				// Someone outside the caller's leads: nothing is written into that
				// record and nothing about it is told. The entry becomes a new person
				// (without the contact details that are the other's) for a manager
				// to review as a possible duplicate.
				$elsewhere = $person_id;
				$person_id = null;
			}
			$is_new = null === $person_id;
			if ( $is_new ) {
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'people' ),
						array(
							'contact_key' => wp_generate_uuid4(),
							'first_name'  => $clean['first_name'],
							'last_name'   => $clean['last_name'],
							'created_at'  => $now,
						),
						array( '%s', '%s', '%s', '%s' )
					)
				);
				$person_id = (int) $wpdb->insert_id;
			} else {
				SENW_CRM_Db::check( $wpdb->update( SENW_CRM_Db::t( 'people' ), array( 'first_name' => $clean['first_name'], 'last_name' => $clean['last_name'] ), array( 'id' => $person_id ), array( '%s', '%s' ), array( '%d' ) ) );
			}
			if ( isset( $clean['email'] ) ) {
				SENW_CRM_People::attach_email( $person_id, $clean['email'], false );
			}
			if ( isset( $clean['phone_e164'] ) ) {
				SENW_CRM_People::attach_phone( $person_id, $clean['phone_e164'], $clean['phone'], false );
			}
			if ( null !== $elsewhere ) {
				self::hold_for_review( $person_id, $elsewhere, $clean );
			}

			$open   = $is_new ? null : $wpdb->get_row( $wpdb->prepare( 'SELECT id, listing_key FROM `' . SENW_CRM_Db::t( 'leads' ) . "` WHERE person_id = %d AND status NOT IN ('converted','lost') ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE", $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$reused = (bool) $open;
			$user   = $actor > 0 ? $actor : null;
			if ( $reused ) {
				$lead_id = (int) $open['id'];
				$changes = array( 'last_activity_at' => $now );
				if ( empty( $open['listing_key'] ) && ! empty( $clean['listing_key'] ) ) {
					$changes['listing_key'] = $clean['listing_key'];
				}
				SENW_CRM_Db::check( $wpdb->update( SENW_CRM_Db::t( 'leads' ), $changes, array( 'id' => $lead_id ) ) );
				$activity_id = SENW_CRM_Timeline::add_activity(
					$lead_id,
					$person_id,
					$user,
					'message',
					isset( $clean['message'] ) && '' !== $clean['message'] ? $clean['message'] : __( 'Repeat inquiry (no message).', 'senw-crm' ),
					array(
						'channel'     => 'web_form',
						'source'      => $clean['source'],
						'listing_key' => isset( $clean['listing_key'] ) ? $clean['listing_key'] : null,
						'repeat'      => true,
					)
				);
				// The sidecar announces it to the lead's agent, once (sidecar/leads/alerts.py).
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'inquiries' ),
						array(
							'lead_id'     => $lead_id,
							'person_id'   => $person_id,
							'activity_id' => $activity_id,
							'user_id'     => $user,
						)
					)
				);
			} else {
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'leads' ),
						array(
							'person_id'        => $person_id,
							'source'           => $clean['source'],
							'status'           => $clean['status'],
							'temperature'      => $clean['temperature'],
							'agent_id'         => $agent_id,
							'listing_key'      => isset( $clean['listing_key'] ) ? $clean['listing_key'] : null,
							'message'          => isset( $clean['message'] ) ? $clean['message'] : null,
							'pipeline_state'   => 'received',
							'created_at'       => $now,
							'last_activity_at' => $now,
						)
					)
				);
				$lead_id = (int) $wpdb->insert_id;
				SENW_CRM_Timeline::add_activity(
					$lead_id,
					$person_id,
					$user,
					'system',
					/* translators: %s: lead source */
					sprintf( __( 'Lead received (source: %s).', 'senw-crm' ), $clean['source'] ),
					array(
						'source'   => $clean['source'],
						'agent_id' => $agent_id,
					)
				);
			}
			SENW_CRM_People::refresh_person_cache( $person_id );

			if ( ! empty( $clean['consent'] ) ) {
				SENW_CRM_Timeline::record_consent( $person_id, $lead_id, $clean, $context );
			}
			if ( ! empty( $clean['listing_key'] ) ) {
				SENW_CRM_Timeline::record_event( $person_id, $lead_id, 'SubmissionOfLeadForm', 'Property', $clean['listing_key'], $context );
			}
			SENW_CRM_Db::check(
				$wpdb->insert(
					SENW_CRM_Db::t( 'outbox' ),
					array(
						'topic'   => 'lead.created',
						'queue'   => 'high',
						'payload' => wp_json_encode( array( 'lead_id' => $lead_id ) ),
					),
					array( '%s', '%s', '%s' )
				)
			);
			$outbox_id = (int) $wpdb->insert_id;
			SENW_CRM_Audit::log(
				$reused ? 'repeat_inquiry' : 'create',
				'lead',
				$lead_id,
				array(
					'person_id'  => $person_id,
					'new_person' => $is_new,
					'fields'     => array_keys( $clean ),
				),
				$actor
			);
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return array(
				'lead_id'   => $lead_id,
				'person_id' => $person_id,
				'outbox_id' => $outbox_id,
				'reused'    => $reused,
			);
		} catch ( Exception $e ) {
			$conflict = SENW_CRM_Db::last_error_is_conflict();
			SENW_CRM_Db::rollback();
			if ( $conflict ) {
				return new WP_Error( 'senw_crm_conflict', 'conflict' );
			}
			return new WP_Error( 'senw_crm_db_error', __( 'The lead could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
	}

	/**
	 * An entry that matched a person outside its author's scope: the pair goes
	 * to managers (Possible duplicates, review), and the contact details the
	 * other person holds wait there as proposed changes of the new person.
	 */
	private static function hold_for_review( $person_id, $other_id, array $clean ) {
		global $wpdb;
		$lo = min( $person_id, $other_id );
		$hi = max( $person_id, $other_id );
		SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( 'INSERT INTO `' . SENW_CRM_Db::t( 'duplicate_candidates' ) . "` (person_a, person_b, reasons, review) VALUES (%d, %d, JSON_ARRAY('entered_out_of_scope'), 1) ON DUPLICATE KEY UPDATE review = 1, status = 'open'", $lo, $hi ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		foreach ( array(
			'email' => isset( $clean['email'] ) ? $clean['email'] : '',
			'phone' => isset( $clean['phone_e164'] ) ? $clean['phone_e164'] : '',
		) as $field => $value ) {
			$owner = '' === $value ? null : ( 'email' === $field ? SENW_CRM_People::email_owner( $value ) : SENW_CRM_People::phone_owner( $value ) );
			if ( null !== $owner && $owner !== $person_id ) {
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'proposed_changes' ),
						array(
							'person_id'      => $person_id,
							'field'          => $field,
							'proposed_value' => $value,
							'detail'         => wp_json_encode( array( 'held_for_review' => true ) ),
						)
					)
				);
			}
		}
	}

	/**
	 * Changes a lead and its person. $fields is validator output in partial
	 * mode (first_name, last_name, email, phone, message, listing_key, status,
	 * temperature, source, agent_id).
	 *
	 * @return true|WP_Error
	 */
	public static function update( $lead_id, array $fields, $actor ) {
		global $wpdb;
		$lead_id = (int) $lead_id;
		$actor   = (int) $actor;
		if ( ! SENW_CRM_Visibility::can_edit_lead( $actor, $lead_id ) ) {
			return self::forbidden();
		}
		// Sending the current agent back (a client PUTting the whole lead) is not a reassignment.
		if ( isset( $fields['agent_id'] ) && (int) $fields['agent_id'] !== (int) $wpdb->get_var( $wpdb->prepare( 'SELECT agent_id FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE id = %d', $lead_id ) ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$assigned = self::assign( $lead_id, $fields['agent_id'], $actor );
			if ( is_wp_error( $assigned ) ) {
				return $assigned;
			}
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		SENW_CRM_Db::begin();
		try {
			$lead = $wpdb->get_row( $wpdb->prepare( "SELECT id, person_id, status, temperature, source, listing_key, message FROM `{$leads}` WHERE id = %d FOR UPDATE", $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( ! $lead ) {
				SENW_CRM_Db::rollback();
				return self::forbidden();
			}
			$person_id = (int) $lead['person_id'];
			$changed   = array();
			$before    = (array) $wpdb->get_row( $wpdb->prepare( 'SELECT p.first_name, p.last_name, l.primary_email AS email, l.primary_phone AS phone FROM `' . SENW_CRM_Db::t( 'people' ) . "` p JOIN `{$leads}` l ON l.person_id = p.id WHERE l.id = %d", $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
			$before    = array_merge( $before, $lead );

			$person = array_intersect_key( $fields, array_flip( array( 'first_name', 'last_name' ) ) );
			if ( $person ) {
				SENW_CRM_Db::check( $wpdb->update( SENW_CRM_Db::t( 'people' ), $person, array( 'id' => $person_id ) ) );
				$changed = array_merge( $changed, array_keys( $person ) );
			}
			if ( isset( $fields['email'] ) ) {
				$owner = SENW_CRM_People::email_owner( $fields['email'] );
				if ( null !== $owner && $owner !== $person_id ) {
					SENW_CRM_Db::rollback();
					return self::field_error( 'email', __( 'This email address belongs to another contact.', 'senw-crm' ), 409 );
				}
				SENW_CRM_People::attach_email( $person_id, $fields['email'], true );
				$changed[] = 'email';
			}
			if ( isset( $fields['phone_e164'] ) ) {
				$owner = SENW_CRM_People::phone_owner( $fields['phone_e164'] );
				if ( null !== $owner && $owner !== $person_id ) {
					SENW_CRM_Db::rollback();
					return self::field_error( 'phone', __( 'This phone number belongs to another contact.', 'senw-crm' ), 409 );
				}
				SENW_CRM_People::attach_phone( $person_id, $fields['phone_e164'], $fields['phone'], true );
				$changed[] = 'phone';
			}

			$lead_changes = array();
			foreach ( array( 'status', 'temperature', 'source', 'listing_key', 'message' ) as $field ) {
				if ( array_key_exists( $field, $fields ) && $fields[ $field ] !== $lead[ $field ] ) {
					$lead_changes[ $field ] = $fields[ $field ];
				}
			}
			if ( $lead_changes ) {
				$lead_changes['last_activity_at'] = SENW_CRM_Db::now();
				SENW_CRM_Db::check( $wpdb->update( $leads, $lead_changes, array( 'id' => $lead_id ) ) );
				unset( $lead_changes['last_activity_at'] );
				$changed = array_merge( $changed, array_keys( $lead_changes ) );
			}
			if ( isset( $lead_changes['status'] ) ) {
				SENW_CRM_Timeline::add_activity(
					$lead_id,
					$person_id,
					$actor,
					'status',
					/* translators: 1: old status, 2: new status */
					sprintf( __( 'Status changed from %1$s to %2$s.', 'senw-crm' ), $lead['status'], $lead_changes['status'] ),
					array(
						'from' => $lead['status'],
						'to'   => $lead_changes['status'],
					)
				);
			}
			$other = array_values( array_diff( $changed, array( 'status' ) ) );
			if ( $other ) {
				/* translators: %s: what changed, e.g. "temperature from Cold to Warm" */
				SENW_CRM_Timeline::add_activity( $lead_id, $person_id, $actor, 'system', sprintf( __( 'Details updated: %s.', 'senw-crm' ), self::describe_changes( $other, $before, $fields ) ), array( 'fields' => $other ) );
			}
			if ( array_intersect( $changed, array( 'first_name', 'last_name', 'email', 'phone' ) ) ) {
				SENW_CRM_People::refresh_person_cache( $person_id );
			}
			if ( $changed ) {
				SENW_CRM_Audit::log( 'update', 'lead', $lead_id, array( 'fields' => $changed ), $actor );
			}
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return true;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The lead could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
	}

	/** @return true|WP_Error */
	public static function set_status( $lead_id, $status, $actor ) {
		if ( ! in_array( $status, SENW_CRM_Lead_Validator::STATUSES, true ) ) {
			return self::field_error( 'status', __( 'Status must be one of the listed values.', 'senw-crm' ), 400 );
		}
		return self::update( $lead_id, array( 'status' => $status ), $actor );
	}

	/**
	 * Gives the lead to another agent (writes an 'assignment' activity).
	 *
	 * @return true|WP_Error
	 */
	public static function assign( $lead_id, $agent_id, $actor ) {
		global $wpdb;
		$lead_id  = (int) $lead_id;
		$agent_id = (int) $agent_id;
		$actor    = (int) $actor;
		if ( ! SENW_CRM_Visibility::can_assign_lead( $actor, $lead_id ) ) {
			return self::forbidden();
		}
		if ( ! SENW_CRM_Visibility::can_assign_to( $actor, $agent_id ) ) {
			return self::field_error( 'agent_id', __( 'You may not assign leads to that agent.', 'senw-crm' ), 403 );
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		SENW_CRM_Db::begin();
		try {
			$lead = $wpdb->get_row( $wpdb->prepare( "SELECT id, person_id, agent_id FROM `{$leads}` WHERE id = %d FOR UPDATE", $lead_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			$from = null === $lead['agent_id'] ? null : (int) $lead['agent_id'];
			if ( $from !== $agent_id ) {
				SENW_CRM_Db::check(
					$wpdb->update(
						$leads,
						array(
							'agent_id'         => $agent_id,
							'last_activity_at' => SENW_CRM_Db::now(),
						),
						array( 'id' => $lead_id ),
						array( '%d', '%s' ),
						array( '%d' )
					)
				);
				$agent = get_userdata( $agent_id );
				SENW_CRM_Timeline::add_activity(
					$lead_id,
					(int) $lead['person_id'],
					$actor,
					'assignment',
					/* translators: %s: agent display name */
					sprintf( __( 'Assigned to %s.', 'senw-crm' ), $agent ? $agent->display_name : '#' . $agent_id ),
					array(
						'from' => $from,
						'to'   => $agent_id,
					)
				);
				$audit_id = SENW_CRM_Audit::log(
					'assign',
					'lead',
					$lead_id,
					array(
						'from' => $from,
						'to'   => $agent_id,
					),
					$actor
				);
				// The new agent is told (SENW_CRM jobs: lead.reassigned); a person's choice ends the
				// routing's speed-to-lead clock and takes the lead out of the pond.
				SENW_CRM_Db::check(
					$wpdb->insert(
						SENW_CRM_Db::t( 'outbox' ),
						array(
							'topic'   => 'lead.reassigned',
							'queue'   => 'high',
							'payload' => wp_json_encode(
								array(
									'lead_id'    => $lead_id,
									'agent_id'   => $agent_id,
									'by_user_id' => $actor,
									'audit_id'   => (int) $audit_id,
								)
							),
						),
						array( '%s', '%s', '%s' )
					)
				);
				$wpdb->query( $wpdb->prepare( 'UPDATE `' . SENW_CRM_Db::t( 'lead_routing' ) . '` SET deadline_at = NULL, in_pond = 0 WHERE lead_id = %d', $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			}
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return true;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The lead could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
	}

	/**
	 * Adds a note to the lead's timeline.
	 *
	 * @return int|WP_Error Activity id.
	 */
	public static function add_note( $lead_id, $body, $actor ) {
		global $wpdb;
		$lead_id = (int) $lead_id;
		$actor   = (int) $actor;
		if ( ! SENW_CRM_Visibility::can_edit_lead( $actor, $lead_id ) ) {
			return self::forbidden();
		}
		$body = SENW_CRM_Lead_Validator::multi_line( $body );
		if ( null === $body || '' === $body ) {
			return self::field_error( 'body', __( 'Write the note before saving it.', 'senw-crm' ), 400 );
		}
		if ( mb_strlen( $body ) > SENW_CRM_Lead_Validator::MESSAGE_MAX ) {
			/* translators: %d: maximum length */
			return self::field_error( 'body', sprintf( __( 'A note must be at most %d characters.', 'senw-crm' ), SENW_CRM_Lead_Validator::MESSAGE_MAX ), 400 );
		}
		$leads = SENW_CRM_Db::t( 'leads' );
		SENW_CRM_Db::begin();
		try {
			$person_id = (int) $wpdb->get_var( $wpdb->prepare( "SELECT person_id FROM `{$leads}` WHERE id = %d FOR UPDATE", $lead_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			$note_id   = SENW_CRM_Timeline::add_activity( $lead_id, $person_id, $actor, 'note', $body, null );
			SENW_CRM_Db::check( $wpdb->update( $leads, array( 'last_activity_at' => SENW_CRM_Db::now() ), array( 'id' => $lead_id ) ) );
			SENW_CRM_Audit::log( 'note', 'lead', $lead_id, array( 'activity_id' => $note_id ), $actor );
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return $note_id;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return new WP_Error( 'senw_crm_db_error', __( 'The note could not be saved. Please try again.', 'senw-crm' ), array( 'status' => 500 ) );
		}
	}

	/*
	 * Errors.
	 */

	private static function forbidden() {
		return new WP_Error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to change this lead.', 'senw-crm' ), array( 'status' => 403 ) );
	}

	private static function field_error( $field, $message, $status ) {
		return new WP_Error(
			'rest_invalid_param',
			$message,
			array(
				'status' => $status,
				'params' => array( $field => $message ),
			)
		);
	}
}
