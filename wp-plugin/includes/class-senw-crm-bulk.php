<?php
/**
 * Bulk actions on the Leads list (assign, status, tag, add to a campaign,
 * export CSV) and saved filters ("smart lists", per user). Each selected lead
 * is checked against the user's record-level rights; a lead the user may not
 * edit (or view, for the export) is skipped and counted, never touched.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Bulk {

	const SMART_LISTS = 'senw_crm_smart_lists';

	public static function register() {
		add_action( 'admin_init', array( __CLASS__, 'process' ) );
	}

	public static function messages() {
		return array(
			'bulk_done'    => __( 'Bulk action applied.', 'senw-crm' ),
			'bulk_none'    => __( 'Select leads and what to do with them.', 'senw-crm' ),
			'smart_saved'  => __( 'Filters saved as a smart list.', 'senw-crm' ),
			'smart_delete' => __( 'Smart list removed.', 'senw-crm' ),
		);
	}

	public static function actions() {
		$actions = array(
			'senw_bulk_status' => __( 'Set status', 'senw-crm' ),
			'senw_bulk_tag'    => __( 'Add tag', 'senw-crm' ),
			'senw_bulk_export' => __( 'Export CSV', 'senw-crm' ),
		);
		if ( current_user_can( 'senw_assign_leads' ) ) {
			$actions['senw_bulk_assign'] = __( 'Assign to', 'senw-crm' );
		}
		if ( current_user_can( SENW_CRM_Campaigns::CAP ) ) {
			$actions['senw_bulk_campaign'] = __( 'Add to campaign', 'senw-crm' );
		}
		return $actions;
	}

	/** The bulk actions' parameters and the smart lists, under the filters. */
	public static function tablenav( array $filters ) {
		global $wpdb;
		echo '<div class="alignleft actions senw-bulk-params">';
		echo '<select name="bulk_status" id="senw-bulk-status"><option value="">' . esc_html__( 'Status…', 'senw-crm' ) . '</option>';
		SENW_CRM_Admin::select_options( SENW_CRM_Admin::status_labels(), '' );
		echo '</select>';
		printf( '<input type="text" name="bulk_tag" id="senw-bulk-tag" placeholder="%s" maxlength="60">', esc_attr__( 'Tag…', 'senw-crm' ) );
		if ( current_user_can( 'senw_assign_leads' ) ) {
			$agents = current_user_can( 'senw_view_all_leads' ) ? SENW_CRM_Admin::agent_choices() : SENW_CRM_Admin::assignable_agents( get_current_user_id() );
			echo '<select name="bulk_agent" id="senw-bulk-agent"><option value="">' . esc_html__( 'Agent…', 'senw-crm' ) . '</option>';
			SENW_CRM_Admin::select_options( $agents, '' );
			echo '</select>';
		}
		if ( current_user_can( SENW_CRM_Campaigns::CAP ) ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- table name from prefix.
			$campaigns = $wpdb->get_results( "SELECT id, name FROM `" . SENW_CRM_Db::t( 'campaigns' ) . "` WHERE status IN ('draft', 'scheduled', 'running', 'paused') ORDER BY id DESC LIMIT 100", ARRAY_A );
			echo '<select name="bulk_campaign" id="senw-bulk-campaign"><option value="">' . esc_html__( 'Campaign…', 'senw-crm' ) . '</option>';
			SENW_CRM_Admin::select_options( wp_list_pluck( $campaigns, 'name', 'id' ), '' );
			echo '</select>';
		}
		echo '</div><div class="alignleft actions senw-smart-lists">';
		printf( '<input type="text" name="smart_name" id="senw-smart-name" placeholder="%s" maxlength="60">', esc_attr__( 'Save filters as…', 'senw-crm' ) );
		submit_button( __( 'Save smart list', 'senw-crm' ), '', 'senw_save_smart', false, array( 'id' => 'senw-smart-save' ) );
		foreach ( self::smart_lists() as $name => $query ) {
			printf( ' <a class="senw-smart-list" href="%s">%s</a>', esc_url( add_query_arg( array_merge( array( 'page' => SENW_CRM_Admin::MENU_SLUG ), $query ), admin_url( 'admin.php' ) ) ), esc_html( $name ) );
		}
		echo '</div>';
	}

	public static function smart_lists() {
		$saved = get_user_meta( get_current_user_id(), self::SMART_LISTS, true );
		return is_array( $saved ) ? $saved : array();
	}

	private static function back( $code ) {
		wp_safe_redirect( add_query_arg( 'senw_notice', $code, admin_url( 'admin.php?page=' . SENW_CRM_Admin::MENU_SLUG ) ) );
		exit;
	}

	/** Runs on admin_init for the Leads list's form (a GET, like core's list tables). */
	public static function process() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- the nonce is checked below before anything changes.
		if ( ! isset( $_GET['page'] ) || SENW_CRM_Admin::MENU_SLUG !== $_GET['page'] || ! current_user_can( 'senw_view_leads' ) ) {
			return;
		}
		$get = static function ( $key ) {
			return isset( $_GET[ $key ] ) && is_string( $_GET[ $key ] ) ? sanitize_text_field( wp_unslash( $_GET[ $key ] ) ) : '';
		};
		if ( '' !== $get( 'senw_save_smart' ) ) {
			check_admin_referer( 'bulk-leads' );
			$name = substr( $get( 'smart_name' ), 0, 60 );
			if ( '' !== $name ) {
				$query = array();
				foreach ( array( 's', 'status', 'temperature', 'source', 'agent_id', 'tag' ) as $key ) {
					if ( '' !== $get( $key ) ) {
						$query[ $key ] = $get( $key );
					}
				}
				$saved          = self::smart_lists();
				$saved[ $name ] = $query;
				update_user_meta( get_current_user_id(), self::SMART_LISTS, array_slice( $saved, -20, null, true ) );
			}
			self::back( 'smart_saved' );
		}
		$action = $get( 'action' );
		if ( '' === $action || '-1' === $action ) {
			$action = $get( 'action2' );
		}
		if ( ! isset( self::actions()[ $action ] ) ) {
			return;
		}
		check_admin_referer( 'bulk-leads' );
		$ids = isset( $_GET['lead'] ) && is_array( $_GET['lead'] ) ? array_slice( array_unique( array_map( 'absint', $_GET['lead'] ) ), 0, 500 ) : array();
		// phpcs:enable
		$ids  = array_filter( $ids );
		$user = get_current_user_id();
		if ( ! $ids ) {
			self::back( 'bulk_none' );
		}
		if ( 'senw_bulk_export' === $action ) {
			self::export( array_values( array_filter( $ids, static fn( $id ) => SENW_CRM_Visibility::can_view_lead( $user, $id ) ) ) );
		}
		$done = 0;
		foreach ( $ids as $id ) {
			if ( ! SENW_CRM_Visibility::can_edit_lead( $user, $id ) ) {
				continue;
			}
			$done += (int) self::apply( $action, $id, $user, $get );
		}
		SENW_CRM_Audit::log( 'bulk', 'lead', null, array( 'action' => $action, 'selected' => count( $ids ), 'applied' => $done ) );
		self::back( 'bulk_done' );
	}

	private static function apply( $action, $id, $user, $get ) {
		global $wpdb;
		$lead = SENW_CRM_Leads::get( $id, $user );
		if ( ! $lead ) {
			return false;
		}
		if ( 'senw_bulk_status' === $action ) {
			return true === SENW_CRM_Leads::set_status( $id, $get( 'bulk_status' ), $user );
		}
		if ( 'senw_bulk_assign' === $action ) {
			return true === SENW_CRM_Leads::assign( $id, absint( $get( 'bulk_agent' ) ), $user );
		}
		if ( 'senw_bulk_tag' === $action ) {
			$tag = substr( $get( 'bulk_tag' ), 0, 60 );
			if ( '' === $tag ) {
				return false;
			}
			// phpcs:disable WordPress.DB.PreparedSQL.NotPrepared -- table names from prefix.
			$wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO `' . SENW_CRM_Db::t( 'tags' ) . '` (name) VALUES (%s)', $tag ) );
			$tag_id = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM `' . SENW_CRM_Db::t( 'tags' ) . '` WHERE name = %s', $tag ) );
			return false !== $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO `' . SENW_CRM_Db::t( 'person_tags' ) . '` (person_id, tag_id, tagged_by) VALUES (%d, %d, %d)', (int) $lead['person_id'], $tag_id, $user ) );
		}
		if ( 'senw_bulk_campaign' === $action && current_user_can( SENW_CRM_Campaigns::CAP ) ) {
			return false !== $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO `' . SENW_CRM_Db::t( 'campaign_members' ) . '` (campaign_id, person_id, lead_id, enrolled_by) SELECT id, %d, %d, %d FROM `' . SENW_CRM_Db::t( 'campaigns' ) . '` WHERE id = %d', (int) $lead['person_id'], $id, $user, absint( $get( 'bulk_campaign' ) ) ) );
			// phpcs:enable
		}
		return false;
	}

	/** The selected leads the user may view, as CSV. */
	private static function export( array $ids ) {
		$rows = $ids ? SENW_CRM_Leads::query( array( 'ids' => $ids, 'per_page' => 500 ), get_current_user_id() ) : array( 'items' => array() );
		SENW_CRM_Audit::log( 'export', 'lead', null, array( 'count' => count( $ids ) ) );
		$out = SENW_CRM_Csv::download( 'senw-crm-leads-' . gmdate( 'Ymd-His' ) . '.csv', array( 'id', 'name', 'email', 'phone', 'status', 'temperature', 'source', 'agent', 'score', 'received' ) );
		foreach ( $rows['items'] as $r ) {
			$r = (array) $r;
			if ( ! in_array( (int) $r['id'], $ids, true ) ) {
				continue;
			}
			SENW_CRM_Csv::put( $out, array( $r['id'], $r['display_name'], $r['primary_email'], $r['primary_phone'], $r['status'], $r['temperature'], $r['source'], isset( $r['agent_name'] ) ? $r['agent_name'] : '', $r['score'], $r['created_at'] ) );
		}
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions -- php://output stream.
		exit;
	}
}
