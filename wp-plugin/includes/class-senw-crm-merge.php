<?php
/**
 * Merging two existing people: always a person's decision (never automatic),
 * choosing each field, and undoable. A merge moves every row that belongs to
 * the merged person (every CRM table with a person_id column, found in the
 * schema so that tables added later are covered) to the survivor, records the
 * ids it moved and the survivor's fields before (senw_merges), and marks the
 * merged person merged_into the survivor. Undo moves exactly those rows back
 * and restores both people.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Merge {

	/** Tables with a person_id column that are not "the person's rows". */
	const NOT_OWNED = array( 'duplicate_candidates', 'merges' );

	/** @var string[]|null */
	private static $tables = null;

	/** Who may merge: managers and admins anyone; others people both in their edit scope. */
	public static function can_merge( $user_id, $a, $b ) {
		if ( ! user_can( $user_id, 'senw_edit_leads' ) ) {
			return false;
		}
		if ( user_can( $user_id, 'senw_edit_all_leads' ) ) {
			return true;
		}
		return SENW_CRM_Person_Scope::allows( $user_id, $a ) && SENW_CRM_Person_Scope::allows( $user_id, $b );
	}

	/** CRM tables (unprefixed names) holding rows of a person. */
	public static function person_tables() {
		global $wpdb;
		if ( null === self::$tables ) {
			$prefix = $wpdb->prefix . 'senw_';
			$names  = $wpdb->get_col( $wpdb->prepare( "SELECT TABLE_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'person_id' AND TABLE_NAME LIKE %s ORDER BY TABLE_NAME", $wpdb->esc_like( $prefix ) . '%' ) );
			$tables = array();
			foreach ( $names as $name ) {
				$short = substr( $name, strlen( $prefix ) );
				if ( ! in_array( $short, self::NOT_OWNED, true ) ) {
					$tables[] = $short;
				}
			}
			self::$tables = $tables;
		}
		return self::$tables;
	}

	/**
	 * One side of a pair for the review screen: the person, their emails,
	 * phones and lead count.
	 */
	public static function person_card( $person_id ) {
		global $wpdb;
		$person = $wpdb->get_row( $wpdb->prepare( 'SELECT id, first_name, last_name, contact_key, merged_into, created_at FROM `' . SENW_CRM_Db::t( 'people' ) . '` WHERE id = %d', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		if ( ! $person ) {
			return null;
		}
		$person['emails'] = $wpdb->get_results( $wpdb->prepare( 'SELECT id, email, is_primary FROM `' . SENW_CRM_Db::t( 'person_emails' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$person['phones'] = $wpdb->get_results( $wpdb->prepare( 'SELECT id, phone_e164, phone_raw, is_primary FROM `' . SENW_CRM_Db::t( 'person_phones' ) . '` WHERE person_id = %d ORDER BY is_primary DESC, id', $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		$person['leads']  = $wpdb->get_results( $wpdb->prepare( 'SELECT l.id, l.status, l.source, l.created_at, l.agent_id, u.display_name AS agent_name FROM `' . SENW_CRM_Db::t( 'leads' ) . "` l LEFT JOIN {$wpdb->users} u ON u.ID = l.agent_id WHERE l.person_id = %d ORDER BY l.created_at DESC", $person_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		return $person;
	}

	/**
	 * Merges $merged_id into $survivor_id.
	 *
	 * @param array $choices first_name, last_name: 'survivor'|'merged'; primary_email,
	 *                       primary_phone: an email/phone row id of either person.
	 * @return int|WP_Error The merge's id.
	 */
	public static function merge( $survivor_id, $merged_id, array $choices, $actor, $candidate_id = null ) {
		global $wpdb;
		$survivor_id = (int) $survivor_id;
		$merged_id   = (int) $merged_id;
		if ( $survivor_id === $merged_id || ! self::can_merge( $actor, $survivor_id, $merged_id ) ) {
			return self::error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to merge these people.', 'senw-crm' ), 403 );
		}
		$people = SENW_CRM_Db::t( 'people' );
		SENW_CRM_Db::begin();
		try {
			$rows = $wpdb->get_results( $wpdb->prepare( "SELECT id, first_name, last_name, merged_into FROM `{$people}` WHERE id IN (%d, %d) ORDER BY id FOR UPDATE", $survivor_id, $merged_id ), OBJECT_K ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( 2 !== count( $rows ) || null !== $rows[ $survivor_id ]->merged_into || null !== $rows[ $merged_id ]->merged_into ) {
				SENW_CRM_Db::rollback();
				return self::error( 'senw_crm_not_live', __( 'One of these people was merged or removed meanwhile. Reload the page.', 'senw-crm' ), 409 );
			}
			$before = array(
				'survivor' => array(
					'first_name' => $rows[ $survivor_id ]->first_name,
					'last_name'  => $rows[ $survivor_id ]->last_name,
					'primary'    => self::primaries( $survivor_id ),
				),
				'merged'   => array( 'primary' => self::primaries( $merged_id ) ),
			);
			$moved = array();
			foreach ( self::person_tables() as $table ) {
				$t   = SENW_CRM_Db::t( $table );
				$ids = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT id FROM `{$t}` WHERE person_id = %d FOR UPDATE", $merged_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from schema.
				if ( $ids ) {
					SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$t}` SET person_id = %d WHERE person_id = %d", $survivor_id, $merged_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from schema.
					$moved[ $table ] = $ids;
				}
			}
			// People merged into the merged person earlier now point at the survivor.
			$chain = array_map( 'intval', $wpdb->get_col( $wpdb->prepare( "SELECT id FROM `{$people}` WHERE merged_into = %d", $merged_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( $chain ) {
				SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$people}` SET merged_into = %d WHERE merged_into = %d", $survivor_id, $merged_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
				$moved['_chain'] = $chain;
			}
			SENW_CRM_Db::check( $wpdb->update( $people, array( 'merged_into' => $survivor_id ), array( 'id' => $merged_id ), array( '%d' ), array( '%d' ) ) );

			$names = array();
			foreach ( array( 'first_name', 'last_name' ) as $field ) {
				$from            = ( isset( $choices[ $field ] ) && 'merged' === $choices[ $field ] ) ? $merged_id : $survivor_id;
				$names[ $field ] = $rows[ $from ]->$field;
			}
			SENW_CRM_Db::check( $wpdb->update( $people, $names, array( 'id' => $survivor_id ) ) );
			self::set_primary( 'person_emails', $survivor_id, isset( $choices['primary_email'] ) ? (int) $choices['primary_email'] : 0 );
			self::set_primary( 'person_phones', $survivor_id, isset( $choices['primary_phone'] ) ? (int) $choices['primary_phone'] : 0 );
			SENW_CRM_People::refresh_person_cache( $survivor_id );

			SENW_CRM_Db::check(
				$wpdb->insert(
					SENW_CRM_Db::t( 'merges' ),
					array(
						'survivor_id'  => $survivor_id,
						'merged_id'    => $merged_id,
						'candidate_id' => $candidate_id ? (int) $candidate_id : null,
						'chosen'       => wp_json_encode( $choices ),
						'moved'        => wp_json_encode( $moved ),
						'before_state' => wp_json_encode( $before ),
						'merged_by'    => (int) $actor,
					)
				)
			);
			$merge_id = (int) $wpdb->insert_id;
			self::close_candidates( $survivor_id, $merged_id, 'merged', $actor );
			self::note( $survivor_id, $actor, __( 'Another contact record was merged into this person.', 'senw-crm' ), array( 'merge_id' => $merge_id ) );
			SENW_CRM_Audit::log(
				'merge',
				'person',
				$survivor_id,
				array(
					'merged_id' => $merged_id,
					'merge_id'  => $merge_id,
				),
				$actor
			);
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return $merge_id;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return self::error( 'senw_crm_db_error', __( 'The merge could not be saved. Please try again.', 'senw-crm' ), 500 );
		}
	}

	/**
	 * Undoes a merge: the rows it moved go back, both people get their fields back.
	 *
	 * @return true|WP_Error
	 */
	public static function undo( $merge_id, $actor ) {
		global $wpdb;
		$merges = SENW_CRM_Db::t( 'merges' );
		$people = SENW_CRM_Db::t( 'people' );
		$merge  = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM `{$merges}` WHERE id = %d", $merge_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		if ( ! $merge || null !== $merge['undone_at'] ) {
			return self::error( 'senw_crm_not_found', __( 'This merge does not exist or was undone already.', 'senw-crm' ), 404 );
		}
		$survivor_id = (int) $merge['survivor_id'];
		$merged_id   = (int) $merge['merged_id'];
		$allowed     = user_can( $actor, 'senw_edit_all_leads' ) || ( (int) $merge['merged_by'] === (int) $actor && SENW_CRM_Person_Scope::allows( $actor, $survivor_id ) );
		if ( ! $allowed ) {
			return self::error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to undo this merge.', 'senw-crm' ), 403 );
		}
		$moved  = json_decode( $merge['moved'], true );
		$before = json_decode( $merge['before_state'], true );
		SENW_CRM_Db::begin();
		try {
			$wpdb->get_results( $wpdb->prepare( "SELECT id FROM `{$people}` WHERE id IN (%d, %d) FOR UPDATE", $survivor_id, $merged_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			$locked = $wpdb->get_var( $wpdb->prepare( "SELECT undone_at FROM `{$merges}` WHERE id = %d FOR UPDATE", $merge_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
			if ( null !== $locked ) {
				SENW_CRM_Db::rollback();
				return self::error( 'senw_crm_not_found', __( 'This merge was undone already.', 'senw-crm' ), 409 );
			}
			foreach ( (array) $moved as $table => $ids ) {
				$ids = array_map( 'intval', (array) $ids );
				if ( ! $ids ) {
					continue;
				}
				$in = implode( ',', array_fill( 0, count( $ids ), '%d' ) );
				if ( '_chain' === $table ) {
					SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$people}` SET merged_into = %d WHERE merged_into = %d AND id IN ({$in})", array_merge( array( $merged_id, $survivor_id ), $ids ) ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL -- table name from prefix, placeholders built from count.
					continue;
				}
				if ( ! in_array( $table, self::person_tables(), true ) ) {
					continue;
				}
				$t = SENW_CRM_Db::t( $table );
				// Only rows still on the survivor: one moved on since (a later merge) stays put.
				SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$t}` SET person_id = %d WHERE person_id = %d AND id IN ({$in})", array_merge( array( $merged_id, $survivor_id ), $ids ) ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL -- table name from schema, placeholders built from count.
			}
			SENW_CRM_Db::check( $wpdb->update( $people, array( 'merged_into' => null ), array( 'id' => $merged_id ), array( '%d' ), array( '%d' ) ) );
			SENW_CRM_Db::check(
				$wpdb->update(
					$people,
					array(
						'first_name' => $before['survivor']['first_name'],
						'last_name'  => $before['survivor']['last_name'],
					),
					array( 'id' => $survivor_id )
				)
			);
			foreach ( array(
				'survivor' => $survivor_id,
				'merged'   => $merged_id,
			) as $side => $person_id ) {
				$primary = isset( $before[ $side ]['primary'] ) ? $before[ $side ]['primary'] : array();
				self::set_primary( 'person_emails', $person_id, isset( $primary['person_emails'] ) ? (int) $primary['person_emails'] : 0 );
				self::set_primary( 'person_phones', $person_id, isset( $primary['person_phones'] ) ? (int) $primary['person_phones'] : 0 );
				SENW_CRM_People::refresh_person_cache( $person_id );
			}
			SENW_CRM_Db::check(
				$wpdb->update(
					$merges,
					array(
						'undone_by' => (int) $actor,
						'undone_at' => SENW_CRM_Db::now(),
					),
					array( 'id' => $merge_id )
				)
			);
			if ( $merge['candidate_id'] ) {
				SENW_CRM_Db::check( $wpdb->update( SENW_CRM_Db::t( 'duplicate_candidates' ), array( 'status' => 'open' ), array( 'id' => (int) $merge['candidate_id'] ) ) );
			}
			self::note( $survivor_id, $actor, __( 'A merge into this person was undone.', 'senw-crm' ), array( 'merge_id' => (int) $merge_id ) );
			self::note( $merged_id, $actor, __( 'This person was separated again (a merge was undone).', 'senw-crm' ), array( 'merge_id' => (int) $merge_id ) );
			SENW_CRM_Audit::log(
				'merge_undo',
				'person',
				$survivor_id,
				array(
					'merged_id' => $merged_id,
					'merge_id'  => (int) $merge_id,
				),
				$actor
			);
			if ( ! SENW_CRM_Db::commit() ) {
				throw new RuntimeException( 'commit' );
			}
			return true;
		} catch ( Exception $e ) {
			SENW_CRM_Db::rollback();
			return self::error( 'senw_crm_db_error', __( 'The merge could not be undone. Please try again.', 'senw-crm' ), 500 );
		}
	}

	/** Marks a pair "not the same person". */
	public static function dismiss( $candidate_id, $actor ) {
		global $wpdb;
		$c = $wpdb->get_row( $wpdb->prepare( 'SELECT person_a, person_b FROM `' . SENW_CRM_Db::t( 'duplicate_candidates' ) . '` WHERE id = %d', $candidate_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		if ( ! $c || ! self::can_merge( $actor, (int) $c->person_a, (int) $c->person_b ) ) {
			return self::error( 'senw_crm_forbidden', __( 'Sorry, you are not allowed to decide on these people.', 'senw-crm' ), 403 );
		}
		self::close_candidates( (int) $c->person_a, (int) $c->person_b, 'dismissed', $actor );
		SENW_CRM_Audit::log( 'duplicate_dismissed', 'person', (int) $c->person_a, array( 'other' => (int) $c->person_b ), $actor );
		return true;
	}

	private static function close_candidates( $a, $b, $status, $actor ) {
		global $wpdb;
		$wpdb->update(
			SENW_CRM_Db::t( 'duplicate_candidates' ),
			array(
				'status'     => $status,
				'decided_by' => (int) $actor,
				'decided_at' => SENW_CRM_Db::now(),
			),
			array(
				'person_a' => min( $a, $b ),
				'person_b' => max( $a, $b ),
			)
		);
	}

	/** table => id of the person's primary row (emails and phones). */
	private static function primaries( $person_id ) {
		global $wpdb;
		$out = array();
		foreach ( array( 'person_emails', 'person_phones' ) as $table ) {
			$out[ $table ] = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM `' . SENW_CRM_Db::t( $table ) . '` WHERE person_id = %d AND is_primary = 1 ORDER BY id LIMIT 1', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		}
		return $out;
	}

	/** One primary row per person: $row_id when it is theirs, else their oldest. */
	private static function set_primary( $table, $person_id, $row_id ) {
		global $wpdb;
		$t    = SENW_CRM_Db::t( $table );
		$mine = $row_id ? (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM `{$t}` WHERE id = %d AND person_id = %d", $row_id, $person_id ) ) : 0; // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		if ( ! $mine ) {
			$mine = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM `{$t}` WHERE person_id = %d ORDER BY is_primary DESC, id LIMIT 1", $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
		}
		if ( ! $mine ) {
			return;
		}
		SENW_CRM_Db::check( $wpdb->query( $wpdb->prepare( "UPDATE `{$t}` SET is_primary = IF(id = %d, 1, 0) WHERE person_id = %d", $mine, $person_id ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table name from prefix.
	}

	/** A timeline entry on the person's most recent lead. */
	private static function note( $person_id, $actor, $body, array $meta ) {
		global $wpdb;
		$lead_id = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM `' . SENW_CRM_Db::t( 'leads' ) . '` WHERE person_id = %d ORDER BY created_at DESC, id DESC LIMIT 1', $person_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
		SENW_CRM_Timeline::add_activity( $lead_id ? $lead_id : null, $person_id, $actor, 'system', $body, $meta );
	}

	private static function error( $code, $message, $status ) {
		return new WP_Error( $code, $message, array( 'status' => $status ) );
	}
}
