<?php
/**
 * [senw_listing_search]: the search form, result cards and pagination.
 *
 * @var string  $action  Page URL the form submits to (GET).
 * @var array   $raw     The visitor's input, to show back.
 * @var array   $errors  Field => message.
 * @var array   $filters SENW_CRM_Properties::filters().
 * @var array   $options Choices of the status and property type selects.
 * @var array   $sorts   Sort key => array( label, orderby, order ).
 * @var string  $sort    Current sort key.
 * @var array[] $cards   Result cards.
 * @var int     $total   Matching listings.
 * @var int     $page    Current page.
 * @var int     $pages   Pages.
 * @var string  $prev    Previous page URL or ''.
 * @var string  $next    Next page URL or ''.
 */

defined( 'ABSPATH' ) || exit;

$senw_val = static function ( $name ) use ( $raw ) {
	return isset( $raw[ $name ] ) ? $raw[ $name ] : '';
};
?>
<div class="senw-listings">
	<form method="get" action="<?php echo esc_url( $action ); ?>" class="senw-listings-form" role="search">
		<?php if ( $errors ) : ?>
			<div class="senw-listings-errors" role="alert">
				<ul>
					<?php foreach ( $errors as $senw_field => $senw_message ) : ?>
						<li id="<?php echo esc_attr( 'senw-listings-error-' . $senw_field ); ?>"><?php echo esc_html( $senw_message ); ?></li>
					<?php endforeach; ?>
				</ul>
			</div>
		<?php endif; ?>
		<div class="senw-listings-fields">
			<?php foreach ( $options as $senw_name => $senw_options ) : ?>
				<p class="senw-listings-field">
					<label for="<?php echo esc_attr( 'senw-ls-' . $senw_name ); ?>"><?php echo esc_html( $filters[ $senw_name ][1] ); ?></label>
					<select name="<?php echo esc_attr( $senw_name ); ?>" id="<?php echo esc_attr( 'senw-ls-' . $senw_name ); ?>"<?php echo isset( $errors[ $senw_name ] ) ? ' aria-invalid="true"' : ''; ?>>
						<option value=""><?php esc_html_e( 'Any', 'senw-crm' ); ?></option>
						<?php foreach ( $senw_options as $senw_option ) : ?>
							<option value="<?php echo esc_attr( $senw_option ); ?>" <?php selected( SENW_CRM_Properties::lookup( $senw_val( $senw_name ), $senw_options ), $senw_option ); ?>><?php echo esc_html( $senw_option ); ?></option>
						<?php endforeach; ?>
					</select>
				</p>
			<?php endforeach; ?>
			<?php foreach ( array( 'min_price', 'max_price', 'min_beds', 'min_baths', 'min_area', 'max_area', 'city', 'postal_code', 'max_dom', 'keyword' ) as $senw_name ) : ?>
				<?php $senw_kind = $filters[ $senw_name ][0]; ?>
				<p class="senw-listings-field">
					<label for="<?php echo esc_attr( 'senw-ls-' . $senw_name ); ?>"><?php echo esc_html( $filters[ $senw_name ][1] ); ?></label>
					<input type="<?php echo in_array( $senw_kind, array( 'text', 'keyword' ), true ) ? 'text' : 'number'; ?>"
						<?php echo in_array( $senw_kind, array( 'money', 'area' ), true ) ? 'step="any" min="0"' : ( 'int' === $senw_kind ? 'step="1" min="0"' : '' ); ?>
						name="<?php echo esc_attr( $senw_name ); ?>" id="<?php echo esc_attr( 'senw-ls-' . $senw_name ); ?>"
						value="<?php echo esc_attr( $senw_val( $senw_name ) ); ?>"
						<?php echo isset( $errors[ $senw_name ] ) ? 'aria-invalid="true" aria-describedby="' . esc_attr( 'senw-listings-error-' . $senw_name ) . '"' : ''; ?>>
				</p>
			<?php endforeach; ?>
			<p class="senw-listings-field">
				<label for="senw-ls-sort"><?php esc_html_e( 'Sort', 'senw-crm' ); ?></label>
				<select name="sort" id="senw-ls-sort">
					<?php foreach ( $sorts as $senw_key => $senw_sort ) : ?>
						<option value="<?php echo esc_attr( $senw_key ); ?>" <?php selected( $sort, $senw_key ); ?>><?php echo esc_html( $senw_sort[0] ); ?></option>
					<?php endforeach; ?>
				</select>
			</p>
		</div>
		<p><button type="submit" class="senw-listings-submit"><?php esc_html_e( 'Search', 'senw-crm' ); ?></button></p>
	</form>

	<p class="senw-listings-total">
		<?php
		/* translators: %s: number of listings */
		echo esc_html( sprintf( _n( '%s listing', '%s listings', $total, 'senw-crm' ), number_format_i18n( $total ) ) );
		?>
	</p>
	<ul class="senw-listings-cards">
		<?php foreach ( $cards as $senw_card ) : ?>
			<li class="senw-listing-card" data-listing-key="<?php echo esc_attr( $senw_card['key'] ); ?>">
				<a href="<?php echo esc_url( $senw_card['url'] ); ?>">
					<?php if ( $senw_card['photo'] ) : ?>
						<img src="<?php echo esc_url( $senw_card['photo'] ); ?>" alt="" loading="lazy" class="senw-listing-photo">
					<?php else : ?>
						<span class="senw-listing-photo senw-listing-nophoto"><?php esc_html_e( 'No photo', 'senw-crm' ); ?></span>
					<?php endif; ?>
					<span class="senw-listing-price"><?php echo esc_html( $senw_card['price'] ); ?></span>
					<span class="senw-listing-rooms">
						<?php
						/* translators: 1: bedrooms, 2: bathrooms */
						echo esc_html( sprintf( __( '%1$s bd · %2$s ba', 'senw-crm' ), (string) $senw_card['beds'], (string) $senw_card['baths'] ) );
						if ( '' !== $senw_card['area'] ) {
							/* translators: %s: living area */
							echo esc_html( sprintf( __( ' · %s sq ft', 'senw-crm' ), $senw_card['area'] ) );
						}
						?>
					</span>
					<span class="senw-listing-address"><?php echo esc_html( $senw_card['address'] ); ?></span>
					<span class="senw-listing-status"><?php echo esc_html( $senw_card['status'] ); ?></span>
				</a>
			</li>
		<?php endforeach; ?>
	</ul>
	<?php if ( ! $cards ) : ?>
		<p class="senw-listings-none"><?php esc_html_e( 'No listings match your search.', 'senw-crm' ); ?></p>
	<?php endif; ?>
	<?php if ( $pages > 1 ) : ?>
		<nav class="senw-listings-pages" aria-label="<?php esc_attr_e( 'Result pages', 'senw-crm' ); ?>">
			<?php if ( $prev ) : ?>
				<a rel="prev" class="senw-listings-prev" href="<?php echo esc_url( $prev ); ?>">&laquo; <?php esc_html_e( 'Previous', 'senw-crm' ); ?></a>
			<?php endif; ?>
			<span class="senw-listings-page">
				<?php
				/* translators: 1: page, 2: pages */
				echo esc_html( sprintf( __( 'Page %1$s of %2$s', 'senw-crm' ), number_format_i18n( $page ), number_format_i18n( $pages ) ) );
				?>
			</span>
			<?php if ( $next ) : ?>
				<a rel="next" class="senw-listings-next" href="<?php echo esc_url( $next ); ?>"><?php esc_html_e( 'Next', 'senw-crm' ); ?> &raquo;</a>
			<?php endif; ?>
		</nav>
	<?php endif; ?>
</div>
