<?php
/**
 * CRM > Teams (senw_manage_teams): the teams with their leader and members,
 * a form to create one, and the same form to rename a team, change its
 * leader or members, or delete it.
 */

defined( 'ABSPATH' ) || exit;

class SENW_CRM_Admin_Teams {

	const SLUG   = 'senw-crm-teams';
	const SAVE   = 'senw_crm_team_save';
	const DELETE = 'senw_crm_team_delete';

	public static function register() {
		if ( ! is_admin() ) {
			return;
		}
		add_action( 'admin_menu', array( __CLASS__, 'menu' ), 22 );
		add_action( 'admin_post_' . self::SAVE, array( __CLASS__, 'handle_save' ) );
		add_action( 'admin_post_' . self::DELETE, array( __CLASS__, 'handle_delete' ) );
	}

	public static function menu() {
		$hook = add_submenu_page( SENW_CRM_Admin::MENU_SLUG, __( 'Teams', 'senw-crm' ), __( 'Teams', 'senw-crm' ), SENW_CRM_Teams::CAP, self::SLUG, array( __CLASS__, 'render' ) );
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'load' ) );
		}
	}

	public static function load() {
		wp_enqueue_style( 'senw-crm-admin', plugins_url( 'assets/admin.css', SENW_CRM_FILE ), array(), SENW_CRM_VERSION );
	}

	public static function messages() {
		return array(
			'team_saved'      => __( 'Team saved.', 'senw-crm' ),
			'team_deleted'    => __( 'Team deleted.', 'senw-crm' ),
			'team_bad_name'   => __( 'Give the team a name of at most 100 characters.', 'senw-crm' ),
			'team_bad_leader' => __( 'Choose a leader who holds the team lead role or above.', 'senw-crm' ),
			'team_bad_member' => __( 'Members must be users who work leads.', 'senw-crm' ),
			'save_failed'     => __( 'The change could not be saved. Please try again.', 'senw-crm' ),
		);
	}

	public static function url( array $args = array() ) {
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( 'admin.php' ) );
	}

	public static function render() {
		if ( ! current_user_can( SENW_CRM_Teams::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage teams.', 'senw-crm' ), 403 );
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- viewing.
		$edit_id = isset( $_GET['team'] ) && is_scalar( $_GET['team'] ) ? absint( $_GET['team'] ) : 0;
		$teams   = SENW_CRM_Teams::all();
		$editing = $edit_id ? SENW_CRM_Teams::get( $edit_id ) : null;
		$names   = SENW_CRM_Admin::agent_choices() + SENW_CRM_Teams::member_choices();
		echo SENW_CRM_Lead_Form::template( // phpcs:ignore WordPress.Security.EscapeOutput -- the template escapes.
			'admin-teams',
			array(
				'teams'    => $teams,
				'editing'  => $editing,
				'leaders'  => SENW_CRM_Teams::leader_choices(),
				'members'  => SENW_CRM_Teams::member_choices(),
				'names'    => $names,
				'notices'  => self::notices(),
				'post_url' => admin_url( 'admin-post.php' ),
			)
		);
	}

	private static function notices() {
		$out = array();
		foreach ( array( 'senw_notice' => 'success', 'senw_error' => 'error' ) as $arg => $type ) {
			// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only, known codes.
			$code = isset( $_GET[ $arg ] ) ? sanitize_key( wp_unslash( $_GET[ $arg ] ) ) : '';
			if ( isset( self::messages()[ $code ] ) ) {
				$out[] = array( $type, self::messages()[ $code ] );
			}
		}
		return $out;
	}

	private static function authorize( $nonce_action ) {
		if ( ! current_user_can( SENW_CRM_Teams::CAP ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage teams.', 'senw-crm' ), 403 );
		}
		check_admin_referer( $nonce_action );
	}

	public static function handle_save() {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- the nonce embeds this id and is checked next.
		$team_id = isset( $_POST['team'] ) && is_scalar( $_POST['team'] ) ? absint( $_POST['team'] ) : 0;
		self::authorize( self::SAVE . '_' . $team_id );
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked in authorize().
		$name    = isset( $_POST['name'] ) ? sanitize_text_field( wp_unslash( $_POST['name'] ) ) : '';
		$leader  = isset( $_POST['leader'] ) && is_scalar( $_POST['leader'] ) ? absint( $_POST['leader'] ) : 0;
		$members = isset( $_POST['members'] ) && is_array( $_POST['members'] ) ? array_map( 'absint', wp_unslash( $_POST['members'] ) ) : array();
		// phpcs:enable
		$error = SENW_CRM_Teams::validate( $name, $leader, $members );
		$back  = $team_id ? array( 'team' => $team_id ) : array();
		if ( '' !== $error ) {
			wp_safe_redirect( self::url( $back + array( 'senw_error' => $error ) ) );
			exit;
		}
		$saved = SENW_CRM_Teams::save( $team_id, $name, $leader, $members );
		wp_safe_redirect( self::url( $saved ? array( 'senw_notice' => 'team_saved' ) : $back + array( 'senw_error' => 'save_failed' ) ) );
		exit;
	}

	public static function handle_delete() {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- the nonce embeds this id and is checked next.
		$team_id = isset( $_POST['team'] ) && is_scalar( $_POST['team'] ) ? absint( $_POST['team'] ) : 0;
		self::authorize( self::DELETE . '_' . $team_id );
		$ok = SENW_CRM_Teams::delete( $team_id );
		wp_safe_redirect( self::url( $ok ? array( 'senw_notice' => 'team_deleted' ) : array( 'senw_error' => 'save_failed' ) ) );
		exit;
	}
}
